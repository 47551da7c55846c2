"""Which sources and partners need someone to look at them.

A source's health is the ingest service's own (`ingest.describe_source`: failing,
overdue, quiet by the source's own `quiet_after_seconds`, …); a partner's is counted here from
its deliveries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ingest import interface as ingest
from services.publish import interface as publish
from shared.models import Delivery, DeliveryState, Partner, Source, utcnow

#: Health values of an enabled source that someone should look at.
SOURCE_TROUBLE = ("failing", "overdue", "quiet")


@dataclass(frozen=True)
class SourceHealth:
    source: Source
    #: `ingest.describe_source()`: settings (never the secret) and "status".
    shown: dict[str, Any]

    @property
    def health(self) -> str:
        return str(self.shown["status"]["health"])

    @property
    def needs_attention(self) -> bool:
        return self.health in SOURCE_TROUBLE


def source_health(db: Session, sources: Sequence[Source] | None = None) -> list[SourceHealth]:
    if sources is None:
        sources = list(db.scalars(select(Source).order_by(Source.name)))
    shown = ingest.describe_sources(db, sources)
    return [SourceHealth(source, entry) for source, entry in zip(sources, shown, strict=True)]


@dataclass(frozen=True)
class PartnerHealth:
    partner: Partner
    delivered_24h: int
    retrying: int
    dead: int
    last_error: str | None
    #: Why its login counts as refused for too long (`publish.login_failing`), if it does.
    login_refused: str | None = None

    @property
    def failing(self) -> bool:
        troubled = self.retrying > 0 or self.dead > 0 or self.login_refused is not None
        return self.partner.enabled and troubled


UNFINISHED = (DeliveryState.PENDING, DeliveryState.SENDING)


def partner_health(db: Session, now: datetime | None = None) -> list[PartnerHealth]:
    """Per partner, counts read from index ranges (state; partner, state, delivered_at): the
    cost grows with the number of partners and of failing deliveries, not of all deliveries."""
    now = now or utcnow()
    partners = list(db.scalars(select(Partner).order_by(Partner.name)))
    ids = [partner.id for partner in partners]
    retrying_or_dead = (Delivery.state == DeliveryState.DEAD) | (
        Delivery.state.in_(UNFINISHED) & (Delivery.attempts > 0)
    )
    troubled = {
        partner_id: (retrying, dead)
        for partner_id, retrying, dead in db.execute(
            select(
                Delivery.partner_id,
                func.count().filter(Delivery.state != DeliveryState.DEAD),
                func.count().filter(Delivery.state == DeliveryState.DEAD),
            )
            .where(Delivery.state.in_([*UNFINISHED, DeliveryState.DEAD]), retrying_or_dead)
            .group_by(Delivery.partner_id)
        )
    }
    delivered = dict(
        db.execute(
            select(Delivery.partner_id, func.count())
            .where(
                Delivery.partner_id.in_(ids),
                Delivery.state == DeliveryState.DELIVERED,
                Delivery.delivered_at >= now - timedelta(hours=24),
            )
            .group_by(Delivery.partner_id)
        ).all()
    )
    found = []
    for partner in partners:
        retrying, dead = troubled.get(partner.id, (0, 0))
        error = _last_error(db, partner.id) if retrying or dead else None
        refused = publish.login_failing(db, partner, now) if partner.enabled else None
        found.append(
            PartnerHealth(partner, delivered.get(partner.id, 0), retrying, dead, error, refused)
        )
    return found


def _last_error(db: Session, partner_id: int) -> str | None:
    """The error of the partner's latest delivery that is still failing."""
    return db.scalar(
        select(Delivery.last_error)
        .where(
            Delivery.partner_id == partner_id,
            Delivery.state.in_([*UNFINISHED, DeliveryState.DEAD]),
            Delivery.last_error.is_not(None),
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )
