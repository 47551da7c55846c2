"""Migration 0013 (roles, session stamps, the audit log) on a database with users in it: each
user stays able to do what they could (admin) and gets a session stamp of their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shared import db as database
from shared import migrate
from shared.models.base import UTCDateTime
from tests.support import services

USERS = sa.table(
    "users",
    *(sa.column(name) for name in ("id", "name", "password_hash", "enabled")),
    sa.column("created_at", UTCDateTime),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_at_0011(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    yield from services.database_at_revision(
        request.param, tmp_path, monkeypatch, "0011", _store_old_users
    )


def _store_old_users(connection: Any) -> None:
    when = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    for user_id, name in ((1, "anna"), (2, "ben")):
        connection.execute(
            USERS.insert().values(
                id=user_id, name=name, password_hash="scrypt:x", enabled=True, created_at=when
            )
        )


def test_users_stored_before_become_admins_with_a_stamp_each(database_at_0011):
    migrate.upgrade(database_at_0011)
    with database.get_engine(database_at_0011).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name, role, session_stamp FROM users ORDER BY name")
        ).all()
        assert connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() == 0
    assert [(name, role) for name, role, _ in rows] == [("anna", "admin"), ("ben", "admin")]
    stamps = [stamp for _, _, stamp in rows]
    assert all(len(stamp) == 32 for stamp in stamps) and len(set(stamps)) == 2
