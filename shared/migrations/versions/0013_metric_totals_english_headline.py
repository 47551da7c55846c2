"""pruned delivery attempt counts (for /metrics counters); each translation's English headline

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "pruned_attempt_counts",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_pruned_attempt_counts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "succeeded", name=op.f("pk_pruned_attempt_counts")),
    )
    with op.batch_alter_table("translations") as batch:
        batch.add_column(sa.Column("headline", sa.Text(), nullable=True))
    _backfill_headlines()


def _backfill_headlines() -> None:
    """Translations already stored get their English headline, a batch at a time."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, ninjs FROM translations WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BACKFILL_BATCH},
        ).all()
        if not rows:
            return
        updates = [
            {"id": row_id, "headline": _main_headline(doc)}
            for row_id, doc in rows
            if _main_headline(doc) is not None
        ]
        if updates:
            bind.execute(
                sa.text("UPDATE translations SET headline = :headline WHERE id = :id"), updates
            )
        last = rows[-1][0]


def _main_headline(doc: Any) -> str | None:
    # A copy of shared.ninjs.main_headline as it is today: a migration must not change with it.
    if isinstance(doc, str):
        doc = json.loads(doc)
    headlines = (doc or {}).get("headlines") or []
    for headline in headlines:
        if headline.get("role") in (None, "main"):
            return headline.get("value")
    return headlines[0].get("value") if headlines else None


def downgrade() -> None:
    with op.batch_alter_table("translations") as batch:
        batch.drop_column("headline")
    op.drop_table("pruned_attempt_counts")
