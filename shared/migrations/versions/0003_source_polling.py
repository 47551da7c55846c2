"""sources: feeds and folders, polling state, status; ingest errors

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folder", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("fetch_full_text", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("quiet_after_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("next_poll_at", TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column("etag", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("last_modified", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("feed_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_attempt_at", TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column("last_success_at", TIMESTAMP, nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_error_at", TIMESTAMP, nullable=True))
        batch_op.add_column(
            sa.Column("failures_in_row", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("story_versions", schema=None) as batch_op:
        batch_op.create_index("ix_story_versions_received_at", ["received_at"], unique=False)

    op.create_table(
        "ingest_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.String(length=1000), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_ingest_errors_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_errors")),
    )
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ingest_errors_source_id_last_seen_at", ["source_id", "last_seen_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_errors_source_id_last_seen_at")
    op.drop_table("ingest_errors")

    with op.batch_alter_table("story_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_story_versions_received_at")

    with op.batch_alter_table("sources", schema=None) as batch_op:
        for column in (
            "failures_in_row",
            "last_error_at",
            "last_error",
            "last_success_at",
            "last_attempt_at",
            "feed_digest",
            "last_modified",
            "etag",
            "next_poll_at",
            "quiet_after_seconds",
            "fetch_full_text",
            "folder",
        ):
            batch_op.drop_column(column)
