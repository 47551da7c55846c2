"""audit log; dashboard roles and a per-user session stamp

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Users added before roles existed could do everything: they stay admins.
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="admin")
        )
        batch.add_column(sa.Column("session_stamp", sa.String(length=32), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("session_stamp"))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        stamp = secrets.token_hex(16)  # each user their own; sessions from before end once
        connection.execute(users.update().where(users.c.id == user_id).values(session_stamp=stamp))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_stamp", existing_type=sa.String(length=32), nullable=False)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target_kind", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=True),
        sa.Column("target_name", sa.String(length=300), nullable=True),
        sa.Column("before", JSON_DOCUMENT, nullable=True),
        sa.Column("after", JSON_DOCUMENT, nullable=True),
        sa.Column("address", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_stamp")
        batch.drop_column("role")
