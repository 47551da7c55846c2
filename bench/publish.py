"""Delivering to partners: one story to many slow partners at once, and many to one fast one.

Runs the publish worker's own task code (`fan_out` plans a version's deliveries and sends them)
in this process, against local webhook partners and a throw-away SQLite installation.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.environment import bench_installation
from bench.table import Table

SLOW_PARTNERS = 50
PARTNER_DELAY = 0.2  # seconds each slow partner takes to answer
REPEATS = 3
FAST_STORIES = 300
SAMPLE = "samples/en-harbour-ferry.json"


def run() -> list[Table]:
    with bench_installation(), _partner(PARTNER_DELAY) as slow_url, _partner(0.0) as fast_url:
        _add_partners(slow_url, fast_url)
        one = _median_fan_out("solo-wire")
        many = _median_fan_out("wire")
        sequential, concurrent = _throughput_to_one_fast_partner()
    fan_out = Table("Fan-out: one story to many partners", ["measure", "value", "target"])
    fan_out.add(f"one partner answering after {PARTNER_DELAY * 1000:.0f} ms (s)", one, "")
    fan_out.add(f"{SLOW_PARTNERS} such partners at once (s)", many, "")
    fan_out.add("ratio", many / one, "≤ 3")
    fan_out.notes.append(f"median of {REPEATS} stories each; sign, send, record, SQLite")
    throughput = Table("Deliveries to one fast partner", ["measure", "per second", "target"])
    throughput.add("fan_out task per story, one story after another", sequential, "")
    throughput.add("pending deliveries sent together (attempt_all)", concurrent, "")
    throughput.notes.append(f"{FAST_STORIES} stories; the partner answers at once")
    return [fan_out, throughput]


@contextmanager
def _partner(delay: float) -> Iterator[str]:
    """A local webhook endpoint answering 200 after `delay`; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # many partners connect at the same moment

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _add_partners(slow_url: str, fast_url: str) -> None:
    from shared import db as database
    from shared.models import Partner, Source
    from tests.support.factories import new_secret

    with database.session() as db:
        for name in ("wire", "solo-wire", "fast-wire"):
            db.add(Source(name=name, attribution=f"Source: {name}"))
        slow = [(f"slow-{n}", "wire", f"{slow_url}/{n}") for n in range(SLOW_PARTNERS)]
        for name, source, url in [
            *slow,
            ("solo", "solo-wire", slow_url),
            ("fast", "fast-wire", fast_url),
        ]:
            db.add(
                Partner(name=name, endpoint=url, secret=new_secret(), filters={"sources": [source]})
            )


def _median_fan_out(source: str) -> float:
    from services.publish import tasks

    seconds = []
    for _ in range(REPEATS):
        version_id = _translated_story(source)
        started = time.perf_counter()
        tasks.fan_out(version_id)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _throughput_to_one_fast_partner() -> tuple[float, float]:
    from sqlalchemy import select

    from services.publish import delivery, fanout, tasks
    from shared import db as database
    from shared.models import Delivery

    versions = [_translated_story("fast-wire") for _ in range(FAST_STORIES)]
    started = time.perf_counter()
    for version_id in versions:
        tasks.fan_out(version_id)
    sequential = FAST_STORIES / (time.perf_counter() - started)

    versions = [_translated_story("fast-wire") for _ in range(FAST_STORIES)]
    with database.session() as db:
        for version_id in versions:
            fanout.fan_out(db, version_id)
        ids = db.scalars(select(Delivery.id).where(Delivery.state == "pending")).all()
    started = time.perf_counter()
    results = delivery.attempt_all(ids)
    concurrent = FAST_STORIES / (time.perf_counter() - started)
    assert set(results.values()) == {"delivered"}, set(results.values())
    return sequential, concurrent


def _translated_story(source_name: str) -> int:
    """An English story version, stored and cleared for publishing as translation would."""
    from sqlalchemy import select

    from shared import db as database
    from shared.config import PROJECT_ROOT
    from shared.models import Source, Story, StoryVersion, Translation

    doc: dict[str, Any] = json.loads((PROJECT_ROOT / SAMPLE).read_text())
    doc["uri"] = f"urn:syndikat:bench:{uuid.uuid4().hex}"
    with database.session() as db:
        source = db.scalars(select(Source).where(Source.name == source_name)).one()
        story = Story(id=uuid.uuid4(), uri=doc["uri"], source=source, language="en")
        version = StoryVersion(story=story, version="1", ninjs=doc, language="en")
        db.add_all([story, version])
        db.flush()
        story.current_version = version
        db.add(Translation(story_version_id=version.id, engine="passthrough", ninjs=doc))
        db.flush()
        return version.id
