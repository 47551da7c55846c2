"""engine usage per day; each source's engine route

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_usage",
        sa.Column("engine", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("characters", sa.BigInteger(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("engine", "day", name=op.f("pk_engine_usage")),
    )
    # A plain nullable column: ALTER TABLE in place on SQLite too (no table copy, see 0007).
    op.add_column("sources", sa.Column("engine_route", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "engine_route")  # SQLite 3.35+ drops a plain column in place
    op.drop_table("engine_usage")
