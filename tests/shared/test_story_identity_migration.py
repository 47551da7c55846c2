"""Migration 0008 (a story's identity is its source and uri) on a database with stories in it.

The rows are written as migration 0007 left the schema (lightweight tables naming only the
columns that existed then), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.ingest.intake import take_story
from shared import db as database
from shared import migrate
from shared.models import Source
from shared.models.base import JSONDocument, UTCDateTime
from tests.support import services

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SOURCES = sa.table(
    "sources",
    *(sa.column(name) for name in ("id", "name", "kind", "poll_interval_seconds", "enabled")),
    *(sa.column(name) for name in ("fetch_full_text", "failures_in_row", "language")),
    sa.column("created_at", UTCDateTime),
)
STORIES = sa.table(
    "stories",
    sa.column("id", sa.Uuid),
    *(sa.column(name) for name in ("uri", "source_id", "state", "headline")),
    sa.column("current_version_id"),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
)
VERSIONS = sa.table(
    "story_versions",
    sa.column("id"),
    sa.column("story_id", sa.Uuid),
    *(sa.column(name) for name in ("source_id", "version", "kind", "pubstatus")),
    sa.column("ninjs", JSONDocument),
    sa.column("received_at", UTCDateTime),
)
EVENTS = sa.table(
    "story_events",
    sa.column("story_id", sa.Uuid),
    sa.column("stage"),
    sa.column("detail"),
    sa.column("at", UTCDateTime),
)
#: (source id, uri) of the stories stored before 0008: bare ids as they were stored then.
OLD_STORIES = {
    uuid.UUID(int=1): (1, "N1"),
    uuid.UUID(int=2): (1, "urn:nitf:nitf:20231204-haushalt"),
    uuid.UUID(int=3): (2, "https://example.com/meldung/1"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_at_0007(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A database of its own, migrated to 0007 and holding stories; the settings point at it."""
    yield from services.database_at_revision(
        request.param, tmp_path, monkeypatch, "0007", _store_old_stories
    )


def _store_old_stories(connection: Any) -> None:
    source = {"kind": "folder", "poll_interval_seconds": 300, "enabled": True, "language": "de"}
    source |= {"fetch_full_text": False, "failures_in_row": 0, "created_at": WHEN}
    connection.execute(
        SOURCES.insert(), [source | {"id": 1, "name": "hnd"}, source | {"id": 2, "name": "dpa"}]
    )
    for number, (story_id, (source_id, uri)) in enumerate(OLD_STORIES.items(), start=1):
        connection.execute(
            STORIES.insert().values(
                id=story_id,
                uri=uri,
                source_id=source_id,
                state="published",
                headline=f"Meldung {number}",
                created_at=WHEN,
                updated_at=WHEN,
            )
        )
        connection.execute(
            VERSIONS.insert().values(
                story_id=story_id,
                source_id=source_id,
                version="1",
                kind="original",
                pubstatus="usable",
                ninjs={"uri": uri, "version": "1", "headlines": [{"value": f"Meldung {number}"}]},
                received_at=WHEN,
            )
        )
        version_id = connection.execute(
            sa.select(VERSIONS.c.id).where(VERSIONS.c.story_id == story_id)
        ).scalar_one()
        connection.execute(
            STORIES.update().where(STORIES.c.id == story_id).values(current_version_id=version_id)
        )
        connection.execute(EVENTS.insert().values(story_id=story_id, stage="received", at=WHEN))


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with database.get_engine(url).connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def test_every_story_version_and_event_survives_with_its_uri(database_at_0007):
    url = database_at_0007
    migrate.upgrade(url)

    stories = rows(
        url,
        "SELECT stories.id, stories.source_id, uri, story_versions.version FROM stories "
        "JOIN story_versions ON story_versions.id = stories.current_version_id "
        "AND story_versions.story_id = stories.id",
    )
    assert {(uuid.UUID(str(i)), s, u, v) for i, s, u, v in stories} == {
        (story_id, source_id, uri, "1") for story_id, (source_id, uri) in OLD_STORIES.items()
    }
    assert rows(url, "SELECT count(*) FROM story_versions") == [(3,)]
    assert rows(url, "SELECT count(*) FROM story_events") == [(3,)]


def test_a_uri_is_unique_per_source_after_the_migration(database_at_0007):
    url = database_at_0007
    migrate.upgrade(url)
    same_uri_elsewhere = {"uri": "N1", "source_id": 2, "state": "received"}
    same_uri_same_source = same_uri_elsewhere | {"source_id": 1}

    with database.get_engine(url).begin() as connection:
        connection.execute(
            STORIES.insert().values(id=uuid.uuid4(), **same_uri_elsewhere, **_times())
        )
    with pytest.raises(IntegrityError), database.get_engine(url).begin() as connection:
        connection.execute(
            STORIES.insert().values(id=uuid.uuid4(), **same_uri_same_source, **_times())
        )


def _times() -> dict[str, datetime]:
    return {"created_at": WHEN, "updated_at": WHEN}


@pytest.mark.parametrize(
    ("sent_id", "story_id"),
    [("N1", uuid.UUID(int=1)), ("20231204-haushalt", uuid.UUID(int=2))],
    ids=["stored as sent", "stored as urn:nitf:nitf"],
)
def test_a_new_version_of_a_story_stored_before_finds_it(database_at_0007, sent_id, story_id):
    url = database_at_0007
    migrate.upgrade(url)

    with database.session(url) as db:
        source = db.get_one(Source, 1)
        doc = {"uri": sent_id, "version": "2", "language": "de", "type": "text"}
        intake = take_story(db, source, doc | {"headlines": [{"value": "Neu"}]}, via="test")

    assert (intake.story_id, intake.outcome) == (story_id, "update")
    assert rows(url, "SELECT count(*) FROM story_versions") == [(4,)]


def test_the_sqlite_search_index_still_follows_the_stories(database_at_0007):
    url = database_at_0007
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL alters the table in place: its trigram indexes stay")
    migrate.upgrade(url)

    triggers = rows(url, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert sorted(triggers) == [
        ("stories_search_delete",),
        ("stories_search_insert",),
        ("stories_search_update",),
    ]
    with database.get_engine(url).begin() as connection:
        connection.exec_driver_sql("UPDATE stories SET headline = 'Hafenrekord' WHERE uri = 'N1'")
    found = rows(url, "SELECT uri FROM stories_search WHERE stories_search MATCH '\"Hafenrekord\"'")
    assert found == [("N1",)]
