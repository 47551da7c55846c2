"""The media store's contract, held by both stores: the folder under var/ and S3.

S3 is tested against moto's server mode — a real S3-compatible HTTP server on a loopback port,
spoken to by a real boto3 client — as the DeepL engine is tested against a local stand-in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from services.ingest import pictures
from shared.media_store import (
    FolderStore,
    MediaNotFound,
    MediaStore,
    S3Store,
    key_for,
    media_store,
)
from shared.models import Media
from tests.support.factories import store_story
from tests.support.feed_server import FeedServer
from tests.support.pictures import picture, picture_bytes, rendition, story_with
from tests.support.ports import free_port
from tests.support.settings import changed_settings

BUCKET = "syndikat-media"
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "eu-central-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="eu-central-1",
    )
    # moto keeps its buckets in the process: a second server (the module's tests run once per
    # database) finds the bucket made for the first.
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
    yield endpoint
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "folder":
        return FolderStore(tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Store(BUCKET, endpoint, **CREDENTIALS)


def test_a_picture_put_is_there_and_reads_back_byte_for_byte(store):
    data = picture_bytes()
    key = key_for("ab" * 32, "image/jpeg")
    assert not store.exists(key)

    store.put(key, data, "image/jpeg")

    assert store.exists(key)
    assert store.get(key) == data
    assert key == f"ab/ab/{'ab' * 32}.jpg"


def test_a_missing_key_is_not_found(store):
    assert not store.exists("00/00/missing.png")
    with pytest.raises(MediaNotFound):
        store.get("00/00/missing.png")


def test_putting_the_same_key_again_keeps_one_copy(store):
    key = key_for("cd" * 32, "image/png")
    store.put(key, b"one", "image/png")
    store.put(key, b"one", "image/png")
    assert store.get(key) == b"one"


def test_the_folder_store_keeps_keys_inside_its_folder(tmp_path):
    store = FolderStore(tmp_path / "media")
    with pytest.raises(ValueError, match="outside the media folder"):
        store.put("../../escape.jpg", b"x", "image/jpeg")
    assert not (tmp_path / "escape.jpg").exists()


def test_the_folder_store_leaves_no_partial_file(tmp_path):
    store = FolderStore(tmp_path / "media")
    store.put("aa/bb/x.jpg", b"data", "image/jpeg")
    assert [p.name for p in (tmp_path / "media").rglob("*") if p.is_file()] == ["x.jpg"]


def test_the_settings_choose_the_store(db_env, s3_endpoint):
    with changed_settings() as change:
        assert isinstance(media_store(), FolderStore)
        change(
            SYNDIKAT_MEDIA_STORE="s3",
            SYNDIKAT_S3_BUCKET=BUCKET,
            SYNDIKAT_S3_ENDPOINT_URL=s3_endpoint,
            SYNDIKAT_S3_ACCESS_KEY_ID="testing",
            SYNDIKAT_S3_SECRET_ACCESS_KEY="testing",
            SYNDIKAT_S3_REGION="eu-central-1",
        )
        chosen = media_store()
        assert isinstance(chosen, S3Store)
        chosen.put("ee/ff/picture.gif", b"GIF89a", "image/gif")
        assert chosen.get("ee/ff/picture.gif") == b"GIF89a"


def test_a_fetched_picture_lands_in_the_s3_bucket(db, s3_endpoint):
    data = picture_bytes(120, 80, kind="WEBP")
    with changed_settings() as change, FeedServer(etags=False) as server:
        change(
            SYNDIKAT_MEDIA_STORE="s3",
            SYNDIKAT_S3_BUCKET=BUCKET,
            SYNDIKAT_S3_ENDPOINT_URL=s3_endpoint,
            SYNDIKAT_S3_ACCESS_KEY_ID="testing",
            SYNDIKAT_S3_SECRET_ACCESS_KEY="testing",
            SYNDIKAT_S3_REGION="eu-central-1",
        )
        href = server.serve("/bild.webp", data, content_type="image/webp")
        version_id = store_story(db, story_with(picture("bild", rendition(href, 120, 80))))
        assert pictures.fetch_pictures(version_id) == "fetched"
        db.expire_all()
        media = db.query(Media).one()
        assert media.content_type == "image/webp"
        assert media_store().get(media.storage_key) == data
