"""dashboard: users, and indexes for the story list, throughput and latency

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (table, index name, columns)
INDEXES = (
    ("stories", "ix_stories_created_at_id", ["created_at", "id"]),
    ("stories", "ix_stories_state_created_at_id", ["state", "created_at", "id"]),
    ("stories", "ix_stories_source_id_created_at_id", ["source_id", "created_at", "id"]),
    ("deliveries", "ix_deliveries_delivered_at", ["delivered_at"]),
    (
        "deliveries",
        "ix_deliveries_partner_id_state_delivered_at",
        ["partner_id", "state", "delivered_at"],
    ),
    ("delivery_attempts", "ix_delivery_attempts_started_at", ["started_at"]),
    ("translations", "ix_translations_created_at", ["created_at"]),
    ("translations", "ix_translations_status", ["status"]),
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("users")
