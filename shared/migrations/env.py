"""Alembic environment: migrates the database Syndikat is configured for."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from shared import models, search_index
from shared.db import get_engine

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or None
    with get_engine(url).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying it and dropping the old one; with foreign
            # keys on, that drop would delete every row that references it (ON DELETE CASCADE).
            # SQLite's own recipe: keys off outside the transaction, checked before the commit.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=models.Base.metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_object=search_index.include_object,
            )
            with context.begin_transaction():
                before = context.get_context().get_current_revision()
                context.run_migrations()
                migrated = context.get_context().get_current_revision() != before
                if sqlite and migrated:  # the check reads every row: only after a change
                    _check_sqlite_references(connection)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # On the DB-API connection: a statement through SQLAlchemy would begin a transaction, and
    # inside one SQLite ignores the pragma.
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def _check_sqlite_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"broken references after migrating (nothing changed): {broken[:5]}")


run_migrations()
