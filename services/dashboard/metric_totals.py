"""What /metrics counts since the beginning, and how long the oldest waiting things have waited.

Counters (`rate()` and `increase()` work on them): stories received per source, translations
per engine, delivery attempts per partner and outcome. They are counted in the database at
scrape time rather than in the workers' memory: the workers are many processes on many hosts,
and per-process counters would need prometheus-client's multiprocess mode (one directory shared
by every process, so one host) or a push gateway. Rows counted here are never deleted, except
delivery attempts, which retention prunes after SYNDIKAT_RETAIN_DELIVERY_ATTEMPTS_DAYS: it adds
each pruned attempt to `pruned_attempt_counts` in the same transaction, so stored plus pruned
only grows. Every known source, engine, partner and outcome is given, with 0 for none yet, so
a series exists before its first increase.

Ages (gauges, seconds, 0 when nothing waits): the oldest delivery still to go out per partner
(pending or sending, not held by an embargo), the oldest held story per source (in review or
embargoed, counted from its current version's arrival), and how late the latest embargo
release is (a held delivery whose embargo has passed and that has not been tried yet).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Partner,
    PrunedAttemptCount,
    Source,
    Story,
    StoryState,
    StoryVersion,
    Translation,
)

OUTCOMES = {True: "delivered", False: "failed"}
HELD_STATES = (StoryState.NEEDS_REVIEW, StoryState.EMBARGOED)
ON_ITS_WAY = (DeliveryState.PENDING, DeliveryState.SENDING)


def stories_received(db: Session) -> dict[str, int]:
    """Stories per source since ever (a new version of a story is not another story)."""
    query = (
        select(Source.name, func.count(Story.id))
        .outerjoin(Story, Story.source_id == Source.id)
        .group_by(Source.name)
    )
    return dict(db.execute(query).all())


def translations_by_engine(db: Session) -> dict[str, int]:
    query = select(Translation.engine, func.count()).group_by(Translation.engine)
    return dict(db.execute(query).all())


def attempts_by_partner(db: Session) -> dict[tuple[str, str], int]:
    """(partner, outcome) → delivery attempts since ever: those stored plus those pruned."""
    totals = {(name, outcome): 0 for name in _partners(db) for outcome in OUTCOMES.values()}
    stored = (
        select(Partner.name, DeliveryAttempt.succeeded, func.count())
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .join(Partner, Partner.id == Delivery.partner_id)
        .group_by(Partner.name, DeliveryAttempt.succeeded)
    )
    pruned = select(Partner.name, PrunedAttemptCount.succeeded, PrunedAttemptCount.attempts).join(
        Partner, Partner.id == PrunedAttemptCount.partner_id
    )
    for query in (stored, pruned):
        for name, succeeded, count in db.execute(query):
            totals[(name, OUTCOMES[bool(succeeded)])] += int(count)
    return totals


def oldest_pending_delivery_ages(db: Session, now: datetime) -> dict[str, float]:
    """Per partner: seconds since the oldest delivery still to go out was planned."""
    not_held = or_(Delivery.held_until.is_(None), Delivery.held_until <= now)
    query = (
        select(Partner.name, func.min(Delivery.created_at))
        .join(Partner, Partner.id == Delivery.partner_id)
        .where(Delivery.state.in_(ON_ITS_WAY), not_held)
        .group_by(Partner.name)
    )
    oldest = dict(db.execute(query).all())
    return {name: _seconds_since(oldest.get(name), now) for name in _partners(db)}


def oldest_held_story_ages(db: Session, now: datetime) -> dict[tuple[str, str], float]:
    """(source, state) → seconds since the oldest story held in review or by an embargo came."""
    query = (
        select(Source.name, Story.state, func.min(StoryVersion.received_at))
        .join(Source, Source.id == Story.source_id)
        .join(StoryVersion, StoryVersion.id == Story.current_version_id)
        .where(Story.state.in_(HELD_STATES))
        .group_by(Source.name, Story.state)
    )
    oldest = {(name, state): received for name, state, received in db.execute(query)}
    sources = db.scalars(select(Source.name)).all()
    return {
        (name, state.value): _seconds_since(oldest.get((name, state.value)), now)
        for name in sources
        for state in HELD_STATES
    }


def embargo_release_delay(db: Session, now: datetime) -> float:
    """Seconds since the embargo of the oldest held delivery passed, while it is still untried
    (the sweep releases them every few seconds); 0 when none is late."""
    enabled = select(Partner.id).where(Partner.enabled.is_(True)).scalar_subquery()
    passed = db.scalar(
        select(func.min(Delivery.held_until)).where(
            Delivery.state == DeliveryState.PENDING,
            Delivery.attempts == 0,
            Delivery.held_until <= now,
            Delivery.partner_id.in_(enabled),
        )
    )
    return _seconds_since(passed, now)


def _partners(db: Session) -> list[str]:
    return list(db.scalars(select(Partner.name)))


def _seconds_since(when: datetime | None, now: datetime) -> float:
    return max((now - when).total_seconds(), 0.0) if when is not None else 0.0
