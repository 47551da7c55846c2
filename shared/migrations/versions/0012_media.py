"""pictures: the media table (one row per fetched picture) and sources.picture_policy

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_sha256")),
    )
    # Existing sources keep today's behaviour for a failed picture: the story goes without it.
    # (A column with a server default is an ALTER TABLE in place on SQLite too.)
    op.add_column(
        "sources",
        sa.Column("picture_policy", sa.String(length=10), nullable=False, server_default="without"),
    )


def downgrade() -> None:
    op.drop_column("sources", "picture_policy")
    op.drop_table("media")
