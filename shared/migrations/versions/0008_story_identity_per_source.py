"""a story's identity is its source and uri

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00

`stories.uri` was unique across all sources, so any source could update or kill any other's
story. Now (uri, source_id) is unique (uri first, so a uri alone is found by the index too).
Every stored uri stays as it was: uris that were unique overall are unique per source as well,
so no row changes. On SQLite the table is rebuilt (batch mode; env.py turns foreign keys off for
it, or the rebuild would delete every version); its triggers (the story search index of 0007),
which go with the old table, are made again as they were.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_UNIQUE = "uq_stories_uri"
NEW_UNIQUE = "uq_stories_uri_source_id"


def upgrade() -> None:
    triggers = _sqlite_triggers()
    with op.batch_alter_table("stories") as batch:
        batch.drop_constraint(OLD_UNIQUE, type_="unique")
        batch.create_unique_constraint(NEW_UNIQUE, ["uri", "source_id"])
    _restore(triggers)


def downgrade() -> None:
    # Fails (unique violation) once two sources have stories with the same uri: nothing is lost.
    triggers = _sqlite_triggers()
    with op.batch_alter_table("stories") as batch:
        batch.drop_constraint(NEW_UNIQUE, type_="unique")
        batch.create_unique_constraint(OLD_UNIQUE, ["uri"])
    _restore(triggers)


def _sqlite_triggers() -> list[str]:
    """The statements that made the triggers on `stories` (PostgreSQL keeps its table)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    found = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stories'"
    )
    return [row[0] for row in found]


def _restore(triggers: list[str]) -> None:
    for statement in triggers:
        op.execute(statement)
