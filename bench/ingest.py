"""Ingest throughput: pushed ninjs stories per second, a 500-item RSS feed, a 500-file folder.

Everything runs in this process on a fresh SQLite database in a temporary directory, with the
real Redis the tests use (outbox messages are published as in production). Pushes go through
Flask's test client: the whole API (signature check, parsing, validation, sanitising, language
check, storing, queueing) without an HTTP server's overhead. The feed is served from a loopback
HTTP server with ETags; a second server without ETags shows the digest check.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.table import Table

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PUSHES = 300
FEED_ITEMS = 500
FOLDER_FILES = 500

PARAGRAPHS = [
    "Der Senat hat am Dienstag neue Regeln für den Hafen beschlossen. Sie sollen ab dem "
    "1. März gelten und betreffen vor allem die Abfertigung von Containerschiffen.",
    "Nach Angaben der Behörde wurden im vergangenen Jahr 7,8 Millionen Standardcontainer "
    "umgeschlagen, 4,2 Prozent weniger als im Jahr davor.",
    "Die Opposition kritisierte das Vorhaben. „Das kommt viel zu spät“, sagte ein Sprecher.",
]


def run() -> list[Table]:
    from bench.environment import bench_installation

    # Every stored story logs a timeline line; a benchmark prints tables, not thousands of those.
    level = os.environ.get("SYNDIKAT_LOG_LEVEL")
    os.environ["SYNDIKAT_LOG_LEVEL"] = "WARNING"
    try:
        with bench_installation():
            return [_push_table(), _feed_table(), _folder_table()]
    finally:
        if level is None:
            os.environ.pop("SYNDIKAT_LOG_LEVEL")
        else:
            os.environ["SYNDIKAT_LOG_LEVEL"] = level


def _add_source(name: str, **fields: Any) -> int:
    from shared import db as database
    from shared.models import Source

    with database.session() as db:
        source = Source(name=name, language="de", **fields)
        db.add(source)
        db.flush()
        return source.id


def _german_story(n: int) -> dict[str, Any]:
    doc = json.loads((FIXTURES / "de-rathaus.json").read_text())
    doc["uri"] = f"urn:syndikat:bench:push-{n}"
    body = "".join(f"<p>{text} (Meldung {n})</p>" for text in PARAGRAPHS)
    doc["bodies"] = [{"role": "main", "contenttype": "text/html", "value": body}]
    return doc


def _push_table() -> Table:
    from services.api import create_app
    from services.ingest.push_client import signed_push_headers
    from tests.support.factories import new_secret

    secret = new_secret()
    _add_source("bench-push", secret=secret)
    client = create_app({"TESTING": True}).test_client()
    bodies = [json.dumps(_german_story(n)) for n in range(PUSHES + 1)]

    def push(body: str) -> int:
        headers = signed_push_headers(secret, body)
        return client.post("/v1/sources/bench-push/stories", data=body, headers=headers).status_code

    push(bodies[0])  # warm up: the language model loads once per process
    started = time.perf_counter()
    statuses = [push(body) for body in bodies[1:]]
    elapsed = time.perf_counter() - started
    duplicates_started = time.perf_counter()
    for body in bodies[1:101]:
        push(body)
    duplicate_rate = 100 / (time.perf_counter() - duplicates_started)

    table = Table("Ingest: pushed ninjs stories", ["measure", "result", "target"])
    table.add("new German stories pushed", f"{PUSHES} ({statuses.count(202)} × 202)", "all 202")
    table.add("stories per second", PUSHES / elapsed, "≥ 20")
    table.add("duplicates per second (same story again)", duplicate_rate, "≥ 20")
    table.notes.append(
        "Flask test client in one process (no HTTP server), SQLite, real Redis; one story per "
        "request, each in its own transaction. Target: a burst of 1,000 stories in under a "
        "minute from one API process; more gunicorn workers and PostgreSQL scale it out."
    )
    return table


def _feed(items: int, changed: int | None = None) -> bytes:
    entries = []
    for n in range(items):
        extra = " Aktualisiert." if n == changed else ""
        body = "".join(f"<p>{text} (Meldung {n}){extra}</p>" for text in PARAGRAPHS)
        entries.append(
            f"<item><title>Meldung {n}: Neue Regeln für den Hafen</title>"
            f"<link>https://hnd.example/nord/{n}</link>"
            f'<guid isPermaLink="false">urn:newsml:hnd.example:bench:{n}</guid>'
            f"<pubDate>Wed, 06 Dec 2023 {n // 60 % 24:02d}:{n % 60:02d}:00 +0100</pubDate>"
            f"<description>Der Senat hat neue Regeln beschlossen.</description>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>HND Bench</title><language>de</language>{''.join(entries)}</channel></rss>"
    ).encode()


def _feed_table() -> Table:
    from services.ingest.feeds.poll import poll_feed
    from tests.support.feed_server import FeedServer

    table = Table(f"Ingest: a {FEED_ITEMS}-item RSS feed", ["poll", "seconds", "stored", "target"])
    body = _feed(FEED_ITEMS)
    with FeedServer() as server:
        source_id = _add_source("bench-rss", kind="rss", url=server.serve("/rss", body))
        first, seconds = _timed(lambda: poll_feed(source_id))
        table.add(
            f"first poll: fetch, parse, take {FEED_ITEMS} items", seconds, first.stored, "≤ 30 s"
        )
        again, seconds = _timed(lambda: poll_feed(source_id))
        requests = len(server.requests_for("/rss"))
        table.add(f"re-poll, unchanged ({again.outcome})", seconds, again.stored, "0 stored")
    with FeedServer(etags=False) as plain:
        source_id = _add_source("bench-rss-plain", kind="rss", url=plain.serve("/rss", body))
        poll_feed(source_id)
        same, seconds = _timed(lambda: poll_feed(source_id))
        table.add(f"re-poll, no ETag support ({same.outcome})", seconds, same.stored, "0 stored")
        plain.serve("/rss", _feed(FEED_ITEMS, changed=7))
        one, seconds = _timed(lambda: poll_feed(source_id))
        table.add("re-poll, one item changed", seconds, one.stored, "1 stored")
    table.notes.append(
        f"The unchanged re-poll cost {requests - 1} request (a 304). Items are German, about "
        "600 characters each; language check and sanitising included. Target: a full feed is "
        "taken within the shortest poll interval (30 s)."
    )
    return table


def _folder_table() -> Table:
    from services.ingest.folders import scan_folder
    from shared.config import get_settings

    folder = get_settings().inbox_dir / "bench-g2"
    folder.mkdir(parents=True)
    template = (FIXTURES / "newsml-g2" / "hafen-streik.v1.xml").read_text()
    for n in range(FOLDER_FILES):
        text = template.replace("hafen-warnstreik", f"hafen-warnstreik-{n}")
        (folder / f"{n:04d}.xml").write_text(text.replace("rund 1.200", f"rund {1200 + n}"))
    source_id = _add_source("bench-g2", kind="newsml-g2", folder="bench-g2")

    result, seconds = _timed(lambda: scan_folder(source_id, settle=0.0))

    table = Table(
        f"Ingest: a {FOLDER_FILES}-file NewsML-G2 folder", ["measure", "result", "target"]
    )
    table.add("files taken in (moved to done/)", len(result.done), FOLDER_FILES)
    table.add("files moved to error/", len(result.failed), 0)
    table.add("seconds for the scan", seconds, "≤ 30 s")
    table.add("files per second", FOLDER_FILES / seconds, "")
    return table


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return copy.copy(result), time.perf_counter() - started
