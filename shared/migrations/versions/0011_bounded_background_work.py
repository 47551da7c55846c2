"""engine retry backoff on stories; the sweep's lease on deliveries; retention indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Stories already waiting keep waiting: a NULL retry time is due at once, then backs off.
    # (Adding columns is an ALTER TABLE on SQLite too: the table and its search triggers stay.)
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("engine_retry_at", TIMESTAMP, nullable=True))
        batch.add_column(
            sa.Column("engine_tries", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("queued_until", TIMESTAMP, nullable=True))
    op.create_index("ix_story_events_at", "story_events", ["at"])
    op.create_index("ix_deliveries_story_version_id", "deliveries", ["story_version_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_story_version_id", table_name="deliveries")
    op.drop_index("ix_story_events_at", table_name="story_events")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("queued_until")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("engine_tries")
        batch.drop_column("engine_retry_at")
