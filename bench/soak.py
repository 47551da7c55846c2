"""Soak: 10,000 stories over simulated weeks with retention on; database bytes per story.

The first stories go the real way, in this process: taken in as the ingest service does,
translated (the fixture engine), fanned out and delivered over HTTP to two local webhook
partners, one of which fails every fifth request, so retries, attempts and sweeps happen as in
production; one story in a hundred is German no engine can translate and waits, backing off;
every twentieth is corrected before it is translated. To reach 10,000 stories in minutes the
rest are copies of the published ones' rows (bench/soak_rows.py), written at the simulated time.
The shared clock moves on an hour at a time and the scheduler's periodic tasks (engine
retries, the delivery sweep, retention) run on it as they would. Retention is scaled down with
the simulated time (RETENTION_DAYS) so every kind of row reaches its steady state in the run.

SOAK_STORIES=2000 python -m bench soak for a quicker run.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.environment import bench_installation
from bench.table import Table

STORIES = int(os.environ.get("SOAK_STORIES", "10000"))
#: Stories taken the real way (the rest are copies of their rows).
REAL_STORIES = min(STORIES, 100)
CHECKPOINTS = 5
STORIES_PER_DAY = 400
#: Days each kind is kept in the soak (production defaults: 7 / 90 / 180 / 30).
RETENTION_DAYS = {
    "SYNDIKAT_RETAIN_SENT_OUTBOX_DAYS": "1",
    "SYNDIKAT_RETAIN_DELIVERY_ATTEMPTS_DAYS": "4",
    "SYNDIKAT_RETAIN_TIMELINE_DAYS": "6",
    "SYNDIKAT_RETAIN_OLD_VERSIONS_DAYS": "2",
}
#: The scheduler's cadence on the simulated clock: retention, the delivery sweep and engine
#: retries once an hour (every 10 min, 5 s and 60 s in production). They only act on what is
#: due, so running them less often keeps at most an hour's more rows; it keeps the run short.
TICK = timedelta(hours=1)
FAIL_EVERY = 5  # the flaky partner's every fifth answer is a 500
ENGINE = "tests.support.fixture_engine:FixtureEngine"
START = datetime(2031, 1, 1, tzinfo=UTC)
FIXTURES = ("de-rathaus.json", "de-stadion.json", "en-library.json")


def run() -> list[Table]:
    from shared import clock

    os.environ.update(RETENTION_DAYS)
    started = time.perf_counter()
    clock.set_to(START)
    # The waiting stories' engine failures are logged with tracebacks: not for the bench's table.
    logging.disable(logging.ERROR)
    try:
        with bench_installation(engine=ENGINE), _partners() as (steady, flaky):
            _add_source_and_partners(steady, flaky)
            rows = list(_soak())
    finally:
        logging.disable(logging.NOTSET)
        clock.reset()
        for name in RETENTION_DAYS:
            os.environ.pop(name, None)
    on_postgres = os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres")
    measured = "pg_database_size" if on_postgres else "SQLite file size"
    table = Table(
        "Soak: database size per story, retention on",
        [
            "stories",
            "simulated day",
            "DB bytes",
            "bytes/story",
            "bytes/new story",
            "events",
            "attempts",
            "outbox",
            "pruned so far",
        ],
        rows,
    )
    days = ", ".join(
        f"{name.removeprefix('SYNDIKAT_RETAIN_').removesuffix('_DAYS').lower()} {value}"
        for name, value in RETENTION_DAYS.items()
    )
    table.notes += [
        f"{STORIES_PER_DAY} stories a simulated day to 2 webhook partners (one fails 1 in "
        f"{FAIL_EVERY}); of those taken the real way 1 in 100 waits for an engine and 1 in 20 "
        "is corrected before translation",
        f"first {REAL_STORIES} stories the real way, the rest copies of the published ones; "
        f"retention days: {days}; {measured}; {time.perf_counter() - started:.0f} s",
    ]
    return [table]


def _soak() -> Iterator[list[object]]:
    from shared import clock

    every = max(1, STORIES // CHECKPOINTS)
    taken = 0
    copier = None
    templates: list[Any] = []
    per_tick = STORIES_PER_DAY * (TICK / timedelta(days=1))
    owed = 0.0
    pruned = 0
    previous = (0, 0)
    while taken < STORIES:
        owed += per_tick
        while owed >= 1 and taken < STORIES:
            batch = min(int(owed), STORIES - taken, every - taken % every)
            if taken < REAL_STORIES:
                batch = min(batch, REAL_STORIES - taken)
                for number in range(taken + 1, taken + batch + 1):
                    _one_story(number)
            else:
                if copier is None:
                    copier, templates = _copies_from_now_on()
                _copy_stories(copier, templates, taken, batch)
            taken += batch
            owed -= batch
            if taken % every == 0:
                row = _checkpoint(taken, previous, pruned)
                previous = (taken, row[2])
                yield [*row[:2], f"{row[2]:,}", *row[3:]]
        clock.advance(TICK)
        pruned += _scheduler_tick()


def _scheduler_tick() -> int:
    """The scheduler's periodic tasks, once; returns how many rows retention removed."""
    from services.ingest import tasks as ingest_tasks
    from services.translate import tasks as translate_tasks

    _sweep_and_deliver()
    translate_tasks.retry_waiting()
    return int(ingest_tasks.prune())


def _copies_from_now_on() -> tuple[Any, list[Any]]:
    from bench.soak_rows import Copier, read_templates
    from shared import db as database

    with database.read_session() as db:
        # Copies of published stories only: a copy of a waiting story would be tried by the
        # scheduler every hour for the rest of the run, a Redis publish each, minutes in all.
        templates = [t for t in read_templates(db) if t.story["state"] == "published"]
    with database.read_session() as db:
        return Copier(db), templates


def _copy_stories(copier: Any, templates: list[Any], taken: int, count: int) -> None:
    from shared import clock
    from shared import db as database

    chosen = [templates[(taken + n) % len(templates)] for n in range(count)]
    with database.session() as db:
        copier.write(db, chosen, clock.now())


def _one_story(number: int) -> None:
    """Take a story in, translate it and fan it out, as the three services would."""
    from services.ingest.intake import take_story
    from services.publish import tasks as publish_tasks
    from services.translate import pipeline
    from shared import db as database
    from shared.models import Source, Story
    from tests.support.factories import fixture_story

    doc = fixture_story(FIXTURES[number % len(FIXTURES)], uri=f"urn:syndikat:soak:{number}")
    if number % 100 == 0:  # no fixture English for it: it waits for an engine
        doc["headlines"] = [{"role": "main", "value": f"Unbekannter Satz Nummer {number}"}]
    versions = [doc, doc | {"version": "2"}] if number % 20 == 0 else [doc]
    with database.session() as db:
        source = db.query(Source).one()
        story_ids = [take_story(db, source, v, via="soak").story_id for v in versions]
    with database.session() as db:
        story = db.get_one(Story, story_ids[0])
        version_ids = [v.id for v in story.versions]
    for version_id in version_ids:  # the first of a corrected story is skipped as superseded
        if pipeline.translate_version(version_id) == "translated":
            publish_tasks.fan_out(version_id)


def _sweep_and_deliver() -> None:
    """The sweep queues what is due; a publish worker then sends it (here, at once)."""
    from services.publish import delivery, partners
    from shared import clock
    from shared import db as database

    now = clock.now()
    with database.session() as db:
        partners.disable_failing(db, now)
        due = delivery.queue_due(db, now)
    delivery.attempt_all(due, now)


def _checkpoint(stories: int, previous: tuple[int, int], pruned: int) -> list[Any]:
    """A table row; `previous` is the last checkpoint's (stories, bytes)."""
    from sqlalchemy import func, select

    from shared import clock
    from shared import db as database
    from shared.models import DeliveryAttempt, OutboxMessage, StoryEvent

    size = _database_bytes()
    with database.read_session() as db:
        counts = [
            db.scalar(select(func.count()).select_from(model))
            for model in (StoryEvent, DeliveryAttempt, OutboxMessage)
        ]
    day = (clock.now() - START) / timedelta(days=1)
    new_stories, new_bytes = stories - previous[0], size - previous[1]
    return [
        stories,
        round(day, 1),
        size,
        round(size / stories),
        round(new_bytes / new_stories),
        *counts,
        pruned,
    ]


def _database_bytes() -> int:
    """The database's size: pg_database_size, or the SQLite file after a WAL checkpoint."""
    import sqlite3

    from sqlalchemy import make_url, text

    from shared import db as database
    from shared.config import get_settings

    url = get_settings().database_url
    if not url.startswith("sqlite"):
        with database.read_session() as db:
            return int(db.scalar(text("SELECT pg_database_size(current_database())")))
    path = make_url(url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        # What the WAL holds is written into the file first; freed pages stay in it for reuse.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return os.path.getsize(path)


def _add_source_and_partners(steady: str, flaky: str) -> None:
    from shared import db as database
    from shared.models import Partner, Source
    from tests.support.factories import new_secret

    with database.session() as db:
        db.add(Source(name="wire", attribution="Source: wire", language="de"))
        for name, url in (("steady", steady), ("flaky", flaky)):
            db.add(Partner(name=name, endpoint=url, secret=new_secret()))


@contextmanager
def _partners() -> Iterator[tuple[str, str]]:
    """Two local webhook endpoints: /steady answers 200, /flaky every FAIL_EVERY-th time 500."""
    answers = itertools.count(1)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            failing = self.path == "/flaky" and next(answers) % FAIL_EVERY == 0
            self.send_response(500 if failing else 200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield f"{base}/steady", f"{base}/flaky"
    finally:
        server.shutdown()
        server.server_close()
