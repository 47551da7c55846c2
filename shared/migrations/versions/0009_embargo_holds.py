"""embargoes: partners that honour them; deliveries held until the embargo

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch mode: on SQLite a batch copy drops the old table, and with
    # foreign keys on that drop would delete every delivery (ON DELETE CASCADE).
    # Existing partners keep what they always got: every version at once.
    op.add_column(
        "partners",
        sa.Column("honours_embargoes", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("deliveries", sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place, without the batch copy (see above).
    op.drop_column("deliveries", "held_until")
    op.drop_column("partners", "honours_embargoes")
