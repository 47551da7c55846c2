"""Stories with a 2 MB picture, next to the same stories without one: to webhook partners that
fetch the picture from Syndikat's signed media address, and to a real WordPress (the tests'
Debian WordPress, when it can be started) that gets it uploaded to its media library.

Runs the publish worker's own task code (`fan_out` plans a story's deliveries and sends them),
one story after another, against a throw-away SQLite installation and the API served locally
(the media route). Each picture is a different one, so no upload is saved by the library's
deduplication. The fetch on ingest is not part of this (see the ingest benchmark).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.environment import bench_installation
from bench.table import Table

WEBHOOK_STORIES = 30
WORDPRESS_STORIES = 10
PICTURE_SIDE = 836  # an incompressible RGB PNG of 836 × 836 pixels is about 2 MB
SAMPLE = "samples/en-harbour-ferry.json"


def run() -> list[Table]:
    with ExitStack() as stack:
        stack.enter_context(bench_installation())
        stack.enter_context(_api())
        hook_url = stack.enter_context(_fetching_partner())
        site = _wordpress(stack)
        _add_partners(hook_url, site)
        table = Table(
            "Stories with one 2 MB picture, one after another",
            ["partner", "without (stories/s)", "with picture (stories/s)", "picture costs (s)"],
        )
        _row(table, "webhook (fetches the picture)", "hook-wire", WEBHOOK_STORIES)
        if site is not None:
            _row(table, "WordPress (uploads it)", "wp-wire", WORDPRESS_STORIES)
        else:
            table.notes.append("no WordPress could be started: webhooks only")
    table.notes.append(
        f"{WEBHOOK_STORIES} stories to webhooks, {WORDPRESS_STORIES} to WordPress; "
        "target: a picture costs at most one fetch and one upload"
    )
    return [table]


def _row(table: Table, label: str, source: str, count: int) -> None:
    plain = _stories_per_second(source, count, with_picture=False)
    pictured = _stories_per_second(source, count, with_picture=True)
    table.add(label, plain, pictured, 1 / pictured - 1 / plain)


def _stories_per_second(source: str, count: int, with_picture: bool) -> float:
    from sqlalchemy import select

    from services.publish import tasks
    from shared import db as database
    from shared.models import Delivery

    versions = [_translated_story(source, with_picture) for _ in range(count)]
    started = time.perf_counter()
    for version_id in versions:
        tasks.fan_out(version_id)
    elapsed = time.perf_counter() - started
    with database.read_session() as db:
        states = set(
            db.scalars(select(Delivery.state).where(Delivery.story_version_id.in_(versions)))
        )
    assert states == {"delivered"}, states
    return count / elapsed


@contextmanager
def _api() -> Iterator[str]:
    """The API on a local port (it serves the pictures); partners are told its address."""
    import os

    from werkzeug.serving import make_server

    from services.api import create_app
    from tests.support import services

    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    os.environ["SYNDIKAT_PUBLIC_API_URL"] = f"http://127.0.0.1:{server.server_port}"
    services.reset_settings()
    try:
        yield os.environ["SYNDIKAT_PUBLIC_API_URL"]
    finally:
        server.shutdown()
        os.environ.pop("SYNDIKAT_PUBLIC_API_URL", None)


@contextmanager
def _fetching_partner() -> Iterator[str]:
    """A webhook endpoint that fetches each picture of a story before it answers 200."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            for association in body["data"].get("associations") or []:
                for rendition in association.get("renditions") or []:
                    answer = httpx.get(rendition["href"], timeout=30)
                    answer.raise_for_status()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _wordpress(stack: ExitStack) -> Any:
    from tests.support import wordpress

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="syndikat-bench-wp-")))
    try:
        return stack.enter_context(wordpress.running_site(folder))
    except wordpress.Unavailable:
        return None


def _add_partners(hook_url: str, site: Any) -> None:
    from shared import db as database
    from shared.models import Partner, Source
    from tests.support.factories import new_secret

    with database.session() as db:
        for name in ("hook-wire", "wp-wire"):
            db.add(Source(name=name, attribution=f"Source: {name}"))
        db.add(
            Partner(
                name="hook",
                endpoint=hook_url,
                secret=new_secret(),
                filters={"sources": ["hook-wire"]},
            )
        )
        if site is not None:
            login = {"user": site.editor.login, "app_password": site.editor.app_password}
            db.add(
                Partner(
                    name="wp",
                    method="wordpress",
                    endpoint=f"{site.url}/wp-json/",
                    credentials=json.dumps(login),
                    filters={"sources": ["wp-wire"]},
                )
            )


def _translated_story(source_name: str, with_picture: bool) -> int:
    """An English story version (with a fetched picture), stored as translation leaves it."""
    from sqlalchemy import select

    from shared import db as database
    from shared.config import PROJECT_ROOT
    from shared.models import Source, Story, StoryState, StoryVersion, Translation

    doc: dict[str, Any] = json.loads((PROJECT_ROOT / SAMPLE).read_text())
    doc["uri"] = f"urn:syndikat:bench:{uuid.uuid4().hex}"
    with database.session() as db:
        if with_picture:
            doc["associations"] = {"photo": _picture(db)}
        source = db.scalars(select(Source).where(Source.name == source_name)).one()
        story = Story(
            id=uuid.uuid4(),
            uri=doc["uri"],
            source=source,
            language="en",
            state=StoryState.READY,  # translated and cleared: what fan-out moves on
        )
        version = StoryVersion(story=story, version="1", ninjs=doc, language="en")
        db.add_all([story, version])
        db.flush()
        story.current_version = version
        db.add(Translation(story_version_id=version.id, engine="passthrough", ninjs=doc))
        db.flush()
        return version.id


def _picture(db: Any) -> dict[str, Any]:
    """A new 2 MB picture in the media store, as the ingest side keeps a fetched one."""
    from shared.media_store import key_for, media_store
    from shared.models import Media
    from tests.support.pictures import png_bytes

    data = png_bytes(PICTURE_SIDE, PICTURE_SIDE, seed=uuid.uuid4().int, noise=True)
    sha256 = hashlib.sha256(data).hexdigest()
    key = key_for(sha256, "image/png")
    media_store().put(key, data, "image/png")
    size = {"width": PICTURE_SIDE, "height": PICTURE_SIDE, "size_bytes": len(data)}
    db.add(Media(sha256=sha256, content_type="image/png", storage_key=key, **size))
    return {
        "uri": f"urn:syndikat:bench:photo:{sha256[:16]}",
        "type": "picture",
        "body_text": "The harbour ferry at the landing stage.",
        "x-syndikat-alt": "A ferry at a landing stage",
        "x-syndikat-credit": "Photo: Bench/dpa",
        "x-syndikat-media": {"sha256": sha256, "content_type": "image/png", **size},
    }
