"""Dashboard server time with 100,000 stories stored: the overview and the story list.

Each page is requested in-process through the Flask test client by a signed-in user, so the
time is the server's (queries and templates), without a network. Target: ≤ 100 ms each.
Runs on SQLite, and on PostgreSQL when a server answers (TEST_POSTGRES_URL or 127.0.0.1:5432).
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.table import Table

STORIES = 100_000
DAYS = 30
REPEATS = 15
TARGET_MS = 100.0
BATCH = 5_000


def run() -> list[Table]:
    from tests.support import services

    os.environ.setdefault("REDIS_URL", services.test_redis_url())
    os.environ["SYNDIKAT_REDIS_KEY_PREFIX"] = f"syndikat-bench-{uuid.uuid4().hex[:8]}:"
    os.environ.setdefault("SYNDIKAT_SECRET_KEY", "bench-secret-key")
    table = Table(
        f"Dashboard server time, {STORIES:,} stories stored (median and 95th pct. of {REPEATS})",
        ["database", "page", "median ms", "p95 ms", f"target ≤ {TARGET_MS:.0f} ms"],
    )
    for name, url in _databases():
        started = time.perf_counter()
        with url as database_url:
            _fill(database_url)
            filled = time.perf_counter() - started
            for page, median, p95 in _measure(database_url):
                table.add(name, page, median, p95, "yes" if median <= TARGET_MS else "NO")
        table.notes.append(f"{name}: filling the database took {filled:.0f} s")
    return [table]


def _databases() -> Iterator[tuple[str, Any]]:
    from tests.support import services

    folder = Path(tempfile.mkdtemp(prefix="syndikat-bench-"))
    yield "SQLite", _nothing_to_drop(f"sqlite:///{folder / 'bench.db'}")
    server = services.postgres_server_url()
    if server is not None:
        name = f"syndikat_bench_{uuid.uuid4().hex[:8]}"
        yield "PostgreSQL", services.scratch_postgres_database(server, name)


@contextmanager
def _nothing_to_drop(url: str) -> Iterator[str]:
    yield url


def _use(database_url: str) -> None:
    from tests.support import services

    os.environ["DATABASE_URL"] = database_url
    os.environ["SYNDIKAT_VAR_DIR"] = tempfile.mkdtemp(prefix="syndikat-bench-var-")
    services.reset_settings()


def _fill(database_url: str) -> None:
    """100,000 stories over 30 days from three sources; most translated and delivered twice."""
    from sqlalchemy import insert, update

    from services.dashboard.users import save_user
    from shared import db as database
    from shared import migrate
    from shared.models import (
        Delivery,
        DeliveryAttempt,
        Partner,
        Source,
        Story,
        StoryVersion,
        Translation,
        utcnow,
    )

    _use(database_url)
    # The dashboard made by the run before logs at INFO: keep alembic's lines out of the tables.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrate.upgrade(database_url)
    with database.session() as db:
        save_user(db, "bench", "bench password")
        sources = [Source(name=f"wire-{n}", language="de") for n in range(3)]
        partners = [Partner(name=f"partner-{n}", endpoint="http://127.0.0.1:9/") for n in range(2)]
        db.add_all([*sources, *partners])
        db.flush()
        source_ids, partner_ids = [s.id for s in sources], [p.id for p in partners]
    now = utcnow()
    step = timedelta(days=DAYS) / STORIES
    for first in range(0, STORIES, BATCH):
        rows = _batch(first, now, step, source_ids, partner_ids)
        with database.session() as db:
            for model, values in zip(
                (Story, StoryVersion, Translation, Delivery, DeliveryAttempt), rows, strict=True
            ):
                db.execute(insert(model), values)
            # As intake does: the story points at its version (and the search index follows).
            current = [{"id": v["story_id"], "current_version_id": v["id"]} for v in rows[1]]
            db.execute(update(Story), current)
    if database_url.startswith("postgresql"):
        # What autovacuum does on a live server: statistics and the visibility map.
        with database.get_engine().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )


def _batch(
    first: int, now: Any, step: timedelta, source_ids: list[int], partner_ids: list[int]
) -> tuple[list[dict[str, Any]], ...]:
    stories, versions, translations, deliveries, attempts = [], [], [], [], []
    for n in range(first, min(first + BATCH, STORIES)):
        received = now - step * (STORIES - n)
        story_id, version_id = uuid.uuid4(), n + 1
        state = _state(n)
        headline = f"Meldung {n}: Hafen, Rathaus und Wetter"
        stories.append(
            dict(
                id=story_id,
                uri=f"urn:bench:{n}",
                source_id=source_ids[n % 3],
                state=state,
                headline=headline,
                language="de",
                created_at=received,
                updated_at=received,
            )
        )
        doc = {"uri": f"urn:bench:{n}", "version": "1", "headlines": [{"value": headline}]}
        versions.append(
            dict(
                id=version_id,
                story_id=story_id,
                source_id=source_ids[n % 3],
                version="1",
                ninjs=doc,
                received_at=received,
            )
        )
        if state in ("published", "needs_review"):
            status = "done" if state == "published" else "needs_review"
            translations.append(
                dict(
                    story_version_id=version_id,
                    engine="bench",
                    status=status,
                    ninjs=doc,
                    qa={},
                    created_at=received + timedelta(seconds=3),
                    updated_at=received + timedelta(seconds=3),
                )
            )
        if state == "published":
            for partner_id in partner_ids:
                delivery_id = n * len(partner_ids) + partner_id
                deliveries.append(
                    dict(
                        id=delivery_id,
                        partner_id=partner_id,
                        story_id=story_id,
                        story_version_id=version_id,
                        webhook_id=f"msg_{uuid.uuid4().hex}",
                        state="delivered" if n % 500 else "dead",
                        attempts=1,
                        delivered_at=received + timedelta(seconds=8) if n % 500 else None,
                        created_at=received + timedelta(seconds=4),
                    )
                )
                attempts.append(
                    dict(
                        delivery_id=delivery_id,
                        started_at=received + timedelta(seconds=5),
                        status_code=200,
                        succeeded=True,
                    )
                )
    return stories, versions, translations, deliveries, attempts


def _state(n: int) -> str:
    if n % 97 == 0:
        return "needs_review"
    if n % 211 == 0:
        return "awaiting_engine"
    return "published"


def _measure(database_url: str) -> list[tuple[str, float, float]]:
    from services.dashboard.app import create_app
    from services.dashboard.queues import worker_cache
    from tests.support.dashboard import sign_in

    _use(database_url)
    client = create_app({"RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False}).test_client()
    assert sign_in(client, "bench", "bench password").status_code == 302
    worker_cache.refresh()  # the first ask takes a second; pages then show the cached answer
    deep = _deep_page(client, pages=40)
    pages = {
        "overview": "/",
        "overview, live part": "/overview/live",
        "story list": "/stories",
        "story list, page 41": deep,
        "story list, state=needs_review": "/stories?state=needs_review",
        "story list, source": "/stories?source=2",
        "story list, search 'Meldung 99999'": "/stories?q=Meldung+99999",
        "story list, search (no match)": "/stories?q=nirgendwo",
        "story list, search 'hafen' (every story)": "/stories?q=hafen",
        "story list, search 'bench:12' (1,111 uris)": "/stories?q=bench:12",
        "story list, search 'bench:9' (11,111 uris)": "/stories?q=bench:9",
        "story list, search + state": "/stories?q=Meldung+4242&state=published",
        "sources": "/sources",
        "/metrics": "/metrics",
    }
    results = []
    for name, path in pages.items():
        client.get(path)  # warm the caches the way a second visitor finds them
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
        times.sort()
        results.append((name, statistics.median(times), times[int(len(times) * 0.95) - 1]))
    return results


def _deep_page(client: Any, pages: int) -> str:
    import re

    path = "/stories"
    for _ in range(pages):
        page = client.get(path).get_data(as_text=True)
        older = re.search(r'href="(/stories\?older=[^"]+)" rel="next"', page)
        if older is None:
            raise RuntimeError(f"no next-page link on {path}")
        path = older.group(1).replace("&amp;", "&")
    return path
