"""Hostile pictures: each refused with a clear reason on the story's timeline, nothing stored.

A decompression bomb, a file that lies about its type, an SVG with a script, a 50 MB image, a
server that never finishes, a redirect to a private address, a private address itself. After
each, the story goes on without the picture (or is held, when its source says so), no `media`
row and no file exist, and the next, valid picture is fetched as usual.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy import func, select

from services.ingest import pictures
from shared import ninjs, tasks
from shared.config import get_settings
from shared.models import Media, StoryEvent, StoryState, StoryVersion
from tests.support.factories import add_source, queued, store_story
from tests.support.feed_server import FeedServer
from tests.support.local_server import LocalServer
from tests.support.pictures import picture, picture_bytes, rendition, story_with
from tests.support.settings import changed_settings
from tests.support.stalling_server import StallingServer

FIFTY_MB = 50 * 1024 * 1024
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/steal?c='+document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes that claim to be a `width`×`height` PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class EndlessPicture(LocalServer):
    """Sends a JPEG start and then zeros forever: `/declared` says 50 MB, `/undeclared` nothing."""

    def __init__(self) -> None:
        self.sent = 0
        super().__init__()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                if self.path == "/declared":
                    self.send_header("Content-Length", str(FIFTY_MB))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(b"\xff\xd8\xff\xe0")
                    while server.sent < FIFTY_MB:
                        self.wfile.write(b"\0" * 65536)
                        server.sent += 65536
                except OSError:
                    return  # the client stopped reading

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer(etags=False) as running:
        yield running


def fetched(db: Any, href: str) -> tuple[int, dict[str, Any]]:
    """Store a story whose one picture is at `href`, run the fetch; the version and picture."""
    version_id = store_story(db, story_with(picture("bild", rendition(href))))
    pictures.fetch_pictures(version_id)
    db.expire_all()
    return version_id, db.get(StoryVersion, version_id).ninjs["associations"][0]


def assert_refused_and_nothing_stored(db: Any, version_id: int, why: str) -> None:
    stored = db.get(StoryVersion, version_id).ninjs["associations"][0]
    assert why in stored.get(ninjs.MEDIA_ERROR, ""), stored.get(ninjs.MEDIA_ERROR)
    assert ninjs.MEDIA not in stored
    story_id = db.get(StoryVersion, version_id).story_id
    failures = db.scalars(
        select(StoryEvent.detail).where(
            StoryEvent.story_id == story_id, StoryEvent.stage == "picture_failed"
        )
    ).all()
    assert len(failures) == 1 and why in (failures[0] or ""), failures
    assert db.scalar(select(func.count()).select_from(Media)) == 0
    media_dir = get_settings().media_dir
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]
    # The pipeline goes on: the story is translated without the picture.
    assert {"story_version_id": version_id} in queued(db, tasks.TRANSLATE_VERSION)


CASES = {
    "decompression bomb far over the limit": (
        lambda: png_declaring(100_000, 100_000),
        "image/png",
        "decompression bomb",
    ),
    "decompression bomb just over the limit": (
        lambda: png_declaring(8_000, 8_000),
        "image/png",
        "Image size (64000000 pixels) exceeds limit of 50000000",
    ),
    "HTML served as image/jpeg": (lambda: HTML_PAGE, "image/jpeg", "an HTML page, not a picture"),
    "SVG with a script": (lambda: SVG_WITH_SCRIPT, "image/svg+xml", "Syndikat takes no SVG"),
    "SVG served as image/png": (lambda: SVG_WITH_SCRIPT, "image/png", "Syndikat takes no SVG"),
    "truncated JPEG": (lambda: picture_bytes(800, 600)[:2000], "image/jpeg", "not a readable JPEG"),
    "a zip file": (lambda: b"PK\x03\x04" + b"\0" * 100, "image/jpeg", "not a picture"),
    "empty file": (lambda: b"", "image/jpeg", "empty file"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_file_that_is_no_acceptable_picture_is_refused_by_its_bytes(db, server, case):
    body, content_type, why = CASES[case]
    href = server.serve("/bild.jpg", body(), content_type=content_type)
    version_id, _ = fetched(db, href)
    assert_refused_and_nothing_stored(db, version_id, why)


def test_a_png_named_jpg_and_served_as_jpeg_is_taken_as_what_it_is(db, server):
    href = server.serve("/bild.jpg", picture_bytes(kind="PNG"), content_type="image/jpeg")
    _, stored = fetched(db, href)
    assert stored[ninjs.MEDIA]["content_type"] == "image/png"


@pytest.mark.parametrize("path", ["/declared", "/undeclared"])
def test_a_50_mb_image_is_refused_by_the_byte_limit_without_reading_it_all(db, path):
    with EndlessPicture() as endless:
        version_id, _ = fetched(db, endless.base_url + path)
    limit = get_settings().picture_max_bytes
    why = "not downloaded" if path == "/declared" else "download stopped"
    assert_refused_and_nothing_stored(db, version_id, why)
    assert endless.sent < FIFTY_MB // 2  # stopped early, not read to the end
    if path == "/undeclared":
        assert endless.sent >= limit - 65536 * 8  # read up to about the limit


def test_a_server_that_never_finishes_sending_is_given_up_on_after_the_time_limit(db):
    with changed_settings() as change, StallingServer("trickles body", 0.05) as stalling:
        change(SYNDIKAT_PICTURE_FETCH_TIMEOUT="1")
        version_id, _ = fetched(db, stalling.url)
    assert_refused_and_nothing_stored(db, version_id, "took longer than 1 s")


def test_a_redirect_to_a_private_address_is_not_followed(db, server):
    server.serve("/bild.jpg", b"", status=302, headers={"Location": "http://10.0.0.1/internal.jpg"})
    version_id, _ = fetched(db, server.url("/bild.jpg"))
    assert_refused_and_nothing_stored(db, version_id, "redirected to http://10.0.0.1/internal.jpg")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("href", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/bild.jpg", "private"),
    ],
)
def test_a_picture_on_a_private_address_is_never_requested(db, href, why):
    version_id, _ = fetched(db, href)
    assert_refused_and_nothing_stored(db, version_id, why)


def test_a_hostile_picture_holds_the_story_when_its_source_says_so(db, server):
    add_source(db, "wire", picture_policy="hold")
    href = server.serve("/bild.jpg", SVG_WITH_SCRIPT, content_type="image/svg+xml")
    version_id, _ = fetched(db, href)
    story = db.get(StoryVersion, version_id).story
    assert story.state == StoryState.HELD
    assert queued(db, tasks.TRANSLATE_VERSION) == []
    assert db.scalar(select(func.count()).select_from(Media)) == 0


def test_after_hostile_pictures_a_good_one_is_fetched_as_usual(db, server):
    bad = server.serve("/bomb.png", png_declaring(100_000, 100_000), content_type="image/png")
    good = server.serve("/good.jpg", picture_bytes())
    doc = story_with(picture("bomb", rendition(bad)), picture("good", rendition(good)))
    version_id = store_story(db, doc)
    pictures.fetch_pictures(version_id)
    db.expire_all()
    bomb, fine = db.get(StoryVersion, version_id).ninjs["associations"]
    assert "decompression bomb" in bomb[ninjs.MEDIA_ERROR]
    assert fine[ninjs.MEDIA]["content_type"] == "image/jpeg"
    assert db.scalar(select(func.count()).select_from(Media)) == 1
