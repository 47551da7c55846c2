"""Which sources and partners need someone to look at them.

PHASE 2: when the sources registry keeps each source's last error and status (ingest), show
those here too; today a source needs attention when it has gone quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from shared.config import get_settings
from shared.models import Delivery, DeliveryState, Partner, Source, Story, utcnow


@dataclass(frozen=True)
class SourceHealth:
    source: Source
    last_story_at: datetime | None
    stories_24h: int
    quiet: bool

    @property
    def needs_attention(self) -> bool:
        return self.source.enabled and self.quiet


def source_health(db: Session, now: datetime | None = None) -> list[SourceHealth]:
    now = now or utcnow()
    quiet_after = timedelta(minutes=get_settings().quiet_source_minutes)
    found = []
    for source in db.scalars(select(Source).order_by(Source.name)):
        # One indexed look-up per source (ix_stories_source_id_created_at_id), not a scan.
        last = db.scalar(select(func.max(Story.created_at)).where(Story.source_id == source.id))
        recent = db.scalar(
            select(func.count())
            .select_from(Story)
            .where(Story.source_id == source.id, Story.created_at >= now - timedelta(hours=24))
        )
        quiet_since = last or source.created_at
        found.append(SourceHealth(source, last, recent or 0, now - quiet_since > quiet_after))
    return found


@dataclass(frozen=True)
class PartnerHealth:
    partner: Partner
    delivered_24h: int
    retrying: int
    dead: int
    last_error: str | None

    @property
    def failing(self) -> bool:
        return self.partner.enabled and (self.retrying > 0 or self.dead > 0)


def partner_health(db: Session, now: datetime | None = None) -> list[PartnerHealth]:
    """Per partner, a few counts that each seek one index range (partner, state, delivered_at):
    the cost grows with the number of partners, not of deliveries."""
    now = now or utcnow()
    found = []
    for partner in db.scalars(select(Partner).order_by(Partner.name)):
        retrying = _count(
            db,
            Delivery.partner_id == partner.id,
            Delivery.state.in_(UNFINISHED),
            Delivery.attempts > 0,
        )
        dead = _count(db, Delivery.partner_id == partner.id, Delivery.state == DeliveryState.DEAD)
        delivered = _count(
            db,
            Delivery.partner_id == partner.id,
            Delivery.state == DeliveryState.DELIVERED,
            Delivery.delivered_at >= now - timedelta(hours=24),
        )
        error = _last_error(db, partner.id) if retrying or dead else None
        found.append(PartnerHealth(partner, delivered, retrying, dead, error))
    return found


UNFINISHED = (DeliveryState.PENDING, DeliveryState.SENDING)


def _count(db: Session, *conditions: ColumnElement[bool]) -> int:
    return db.scalar(select(func.count()).select_from(Delivery).where(*conditions)) or 0


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
