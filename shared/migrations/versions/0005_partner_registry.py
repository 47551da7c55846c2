"""partner registry: byline policy, secret rotation, pull-feed tokens, failing partners

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("feed_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        # Existing partners keep the wire's byline, as they always did.
        batch_op.add_column(
            sa.Column("byline_policy", sa.String(length=16), nullable=False, server_default="wire")
        )
        batch_op.add_column(sa.Column("byline", sa.String(length=200), nullable=True))

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_partner_id_story_id", ["partner_id", "story_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_partner_id_story_id")

    with op.batch_alter_table("partners", schema=None) as batch_op:
        for column in (
            "byline",
            "byline_policy",
            "failing_since",
            "disabled_at",
            "feed_token_hash",
            "previous_secret_expires_at",
            "previous_secret",
        ):
            batch_op.drop_column(column)
