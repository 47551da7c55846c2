"""The one database session helper: an engine per URL, and a transaction per `session()` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from shared.config import get_settings

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_read_factories: dict[str, sessionmaker[Session]] = {}
#: Execution option of the connections `read_session` uses.
_READ_ONLY = "syndikat_read_only"
#: How long a SQLite writer waits for the write lock before its statement fails. Waiting is
#: SQLite's own busy handler: a flock queue in front of it was measured on `make bench` and
#: removed (2026-12-01, four runs, stories/s with it ÷ without: 1.19, 1.85, 0.72, 0.92).
BUSY_TIMEOUT_SECONDS = 30


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    if url not in _engines:
        _engines[url] = _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)
    return _engines[url]


def _server_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Several processes share the file: WAL lets readers run beside the writer; with WAL,
        # synchronous=NORMAL cannot corrupt the database and saves an fsync per commit. Foreign
        # keys are off by default in SQLite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads and later writes fails at once with SQLITE_BUSY
        # when another process wrote in between; taking the write lock up front makes it
        # wait (busy_timeout) instead. A transaction that only reads (`read_session`) needs no
        # lock: with WAL it reads a consistent snapshot beside the writer.
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    url = url or get_settings().database_url
    if url not in _factories:
        _factories[url] = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    return _factories[url]


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back when it raises."""
    db = session_factory(url)()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def _read_session_factory(url: str | None = None) -> sessionmaker[Session]:
    url = url or get_settings().database_url
    if url not in _read_factories:
        reading = get_engine(url).execution_options(**{_READ_ONLY: True})
        _read_factories[url] = sessionmaker(bind=reading, expire_on_commit=False)
    return _read_factories[url]


@contextmanager
def read_session(url: str | None = None) -> Iterator[Session]:
    """A transaction that only reads, always rolled back.

    On SQLite it does not take the write lock, so it neither waits for writers nor holds them
    up; whatever is written in it is discarded, never committed.
    """
    db = _read_session_factory(url)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def dispose_engines() -> None:
    """Forget pooled connections; a forked worker process must not share its parent's."""
    for engine in _engines.values():
        engine.dispose(close=False)


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"
