"""story search index (pg_trgm / FTS5 trigram); each version's source

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

#: Kept as literals (a migration must not change when shared/search_index.py does).
FTS_TABLE = "stories_search"
TRIGRAM_INDEXES = {"ix_stories_headline_trgm": "headline", "ix_stories_uri_trgm": "uri"}
SOURCE_INDEX = "ix_story_versions_source_id_received_at"

# The FTS row of a story is keyed by its current version id; a row that is somehow left over is
# replaced, never a reason to refuse a story.
SQLITE_SEARCH = (
    f"""CREATE VIRTUAL TABLE {FTS_TABLE}
        USING fts5(story_id UNINDEXED, headline, uri, tokenize='trigram')""",
    f"""INSERT INTO {FTS_TABLE} (rowid, story_id, headline, uri)
        SELECT current_version_id, id, headline, uri FROM stories
        WHERE current_version_id IS NOT NULL""",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON stories
        WHEN new.current_version_id IS NOT NULL BEGIN
            DELETE FROM {FTS_TABLE} WHERE rowid = new.current_version_id;
            INSERT INTO {FTS_TABLE} (rowid, story_id, headline, uri)
            VALUES (new.current_version_id, new.id, new.headline, new.uri);
        END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update
        AFTER UPDATE OF headline, uri, current_version_id ON stories BEGIN
            DELETE FROM {FTS_TABLE}
            WHERE rowid IN (old.current_version_id, new.current_version_id);
            INSERT INTO {FTS_TABLE} (rowid, story_id, headline, uri)
            SELECT new.current_version_id, new.id, new.headline, new.uri
            WHERE new.current_version_id IS NOT NULL;
        END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON stories BEGIN
            DELETE FROM {FTS_TABLE} WHERE rowid = old.current_version_id;
        END""",
)


def upgrade() -> None:
    _add_version_sources()
    if op.get_bind().dialect.name == "postgresql":
        _trigram_indexes()
    else:
        _sqlite_search_table()


def _add_version_sources() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode would copy the table and drop the old one, and with foreign keys on that
        # drop deletes every translation (ON DELETE CASCADE): ALTER TABLE in place instead.
        op.execute(
            "ALTER TABLE story_versions ADD COLUMN source_id INTEGER "
            "CONSTRAINT fk_story_versions_source_id_sources REFERENCES sources (id)"
        )
    else:
        op.add_column("story_versions", sa.Column("source_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_story_versions_source_id_sources",
            "story_versions",
            "sources",
            ["source_id"],
            ["id"],
        )
    op.execute(
        "UPDATE story_versions SET source_id = "
        "(SELECT stories.source_id FROM stories WHERE stories.id = story_versions.story_id)"
    )
    op.create_index(SOURCE_INDEX, "story_versions", ["source_id", "received_at"])


def _trigram_indexes() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not end the migration
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning(
            "story search without an index: pg_trgm could not be enabled (%s); as a superuser "
            "run CREATE EXTENSION pg_trgm, then %s",
            str(exc.orig).splitlines()[0],
            "; ".join(
                f"CREATE INDEX {name} ON stories USING gin ({column} gin_trgm_ops)"
                for name, column in TRIGRAM_INDEXES.items()
            ),
        )
        return
    for name, column in TRIGRAM_INDEXES.items():
        op.create_index(
            name,
            "stories",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            if_not_exists=True,  # an operator may have made them by hand (see above)
        )


def _sqlite_search_table() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            for statement in SQLITE_SEARCH:
                bind.exec_driver_sql(statement)
    except sa.exc.OperationalError as exc:
        log.warning(
            "story search without an index: this SQLite has no FTS5 trigram tokenizer (%s)",
            exc.orig,
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    else:
        for suffix in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    op.drop_index(SOURCE_INDEX, table_name="story_versions")
    if bind.dialect.name == "sqlite":
        # SQLite cannot drop a column that references another table without copying the
        # table (see above); the column stays, unused.
        return
    op.drop_constraint("fk_story_versions_source_id_sources", "story_versions")
    op.drop_column("story_versions", "source_id")
