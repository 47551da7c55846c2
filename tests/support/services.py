"""Finding and preparing the real servers the tests use (Redis, PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from tests.support.redis_server import RedisServer

_migrated: set[str] = set()
_embedded: list[RedisServer] = []


def test_redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    local = "redis://127.0.0.1:6379/0"
    if _answers(local):
        return local
    return start_embedded_redis()


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def start_embedded_redis() -> str:
    server = RedisServer().start()
    _embedded.append(server)
    return server.url


def stop_embedded_redis() -> None:
    while _embedded:
        _embedded.pop().stop()


def forget_redis_keys(url: str, prefix: str) -> None:
    try:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


def postgres_server_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from shared.config import normalise_database_url

    url = normalise_database_url(url)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except SQLAlchemyError:
        return None
    return url


@contextmanager
def scratch_postgres_database(server_url: str, name: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from shared import db as database

        if url in database._engines:
            database._engines.pop(url).dispose()
        if url in _observers:
            _observers.pop(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_observers: dict[str, Any] = {}


def observer_session(url: str) -> Any:
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    if url not in _observers:
        engine = create_engine(url)
        if url.startswith("sqlite"):
            event.listen(engine, "connect", _sqlite_pragmas)
        _observers[url] = engine
    session = Session(_observers[url], expire_on_commit=False)
    # An observer always sees what the code under test wrote, not its own stale copies.
    event.listen(session, "do_orm_execute", _refresh_everything)
    return session


def _refresh_everything(state: Any) -> None:
    if state.is_select:
        state.update_execution_options(populate_existing=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def reset_settings() -> None:
    from shared import crypto
    from shared.config import get_settings

    get_settings.cache_clear()
    crypto.reset_keys()


def migrate_once(url: str) -> None:
    if url not in _migrated:
        from shared import migrate

        migrate.upgrade(url)
        _migrated.add(url)


def empty_tables(url: str) -> None:
    from shared import db as database
    from shared.models import Base

    with database.session(url) as db:
        for table in reversed(Base.metadata.sorted_tables):
            db.execute(table.delete())


def database_at_revision(
    engine: str, scratch_dir: Any, monkeypatch: Any, revision: str, fill: Any
) -> Iterator[str]:
    """A database of its own on `engine` ("sqlite" or "postgresql"), migrated to `revision` and
    filled by `fill(connection)`; the settings point at it while the test runs (for the
    migration tests: what an older installation holds, upgraded by the test)."""
    import uuid

    import pytest

    monkeypatch.setenv("SYNDIKAT_VAR_DIR", str(scratch_dir / "var"))
    if engine == "sqlite":
        yield from _filled(f"sqlite:///{scratch_dir / 'old.db'}", monkeypatch, revision, fill)
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("no PostgreSQL server")
    name = f"syndikat_{revision}_{uuid.uuid4().hex[:8]}"
    with scratch_postgres_database(server, name) as url:
        yield from _filled(url, monkeypatch, revision, fill)


def _filled(url: str, monkeypatch: Any, revision: str, fill: Any) -> Iterator[str]:
    from shared import db as database
    from shared import migrate

    monkeypatch.setenv("DATABASE_URL", url)
    reset_settings()
    migrate.upgrade(url, revision)
    with database.get_engine(url).begin() as connection:
        fill(connection)
    yield url
    reset_settings()
