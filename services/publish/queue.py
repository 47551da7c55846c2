"""The publish queue: every delivery not yet delivered, across stories and partners, and the
operator's hand on one — cancel it (with who and why) or send it again.

Which "queue state" a delivery is in, as the desk names it:

- `held`: waiting for its story's embargo (`held_until` still ahead);
- `pending`: due, never tried yet;
- `retrying`: tried and failed at least once, due again at `next_attempt_at`;
- `sending`: claimed by a worker right now;
- `dead`: out of retries or refused for good (resend by hand);
- `canceled`: stopped by a newer version, a kill, or an operator (only when asked for).

A resend is `services.publish.replay` (same webhook-id, fresh retries). A cancel keeps the
attempt count, so a canceled delivery that was tried still counts as "the partner may have the
story" (`services.publish.fanout`): its updates and its kill still go to that partner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from services.publish.replay import ReplayRefused, replay
from shared import events
from shared.events import Stage
from shared.models import Delivery, DeliveryState, Partner, Source, Story

#: The longest reason kept for a cancel; the rest is cut.
REASON_LENGTH = 300


class QueueState(StrEnum):
    HELD = "held"
    PENDING = "pending"
    RETRYING = "retrying"
    SENDING = "sending"
    DEAD = "dead"
    CANCELED = "canceled"


#: What the queue shows when no state is asked for: everything still to do, and the dead.
OPEN_STATES = (
    QueueState.HELD,
    QueueState.PENDING,
    QueueState.RETRYING,
    QueueState.SENDING,
    QueueState.DEAD,
)


class TimeField(StrEnum):
    CREATED = "created"
    NEXT_ATTEMPT = "next"


class CancelRefused(Exception):
    """This delivery cannot be canceled; the message says why."""


@dataclass(frozen=True)
class QueueFilter:
    partner_id: int | None = None
    states: tuple[QueueState, ...] = OPEN_STATES
    event: str | None = None
    source_id: int | None = None
    time_field: TimeField = TimeField.CREATED
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class QueueRow:
    delivery: Delivery
    state: QueueState
    headline: str
    source: str


@dataclass
class BulkReport:
    done: list[int] = field(default_factory=list)
    #: (delivery id, why not)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def state_condition(state: QueueState, now: datetime) -> Any:
    """The SQL condition for deliveries in `state` at `now`."""
    pending = Delivery.state == DeliveryState.PENDING
    held = pending & Delivery.held_until.is_not(None) & (Delivery.held_until > now)
    conditions = {
        QueueState.HELD: held,
        QueueState.PENDING: pending & ~held & (Delivery.attempts == 0),
        QueueState.RETRYING: pending & ~held & (Delivery.attempts > 0),
        QueueState.SENDING: Delivery.state == DeliveryState.SENDING,
        QueueState.DEAD: Delivery.state == DeliveryState.DEAD,
        QueueState.CANCELED: Delivery.state == DeliveryState.CANCELED,
    }
    return conditions[state]


def state_of(delivery: Delivery, now: datetime) -> QueueState:
    if delivery.state == DeliveryState.PENDING:
        if delivery.held_until is not None and delivery.held_until > now:
            return QueueState.HELD
        return QueueState.RETRYING if delivery.attempts > 0 else QueueState.PENDING
    return QueueState(delivery.state)  # delivered ones are never listed


def list_queue(db: Session, wanted: QueueFilter, now: datetime, limit: int = 200) -> list[QueueRow]:
    """The deliveries `wanted` picks, those due first (then the newest)."""
    query = (
        select(Delivery, Story.headline, Story.uri, Story.source_id)
        .join(Story, Story.id == Delivery.story_id)
        .where(or_(*(state_condition(state, now) for state in wanted.states)))
        .options(selectinload(Delivery.partner))
        .order_by(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at, Delivery.id.desc())
        .limit(limit)
    )
    query = _narrowed(query, wanted)
    sources = _source_names(db)
    return [
        QueueRow(delivery, state_of(delivery, now), headline or uri, sources.get(source_id, ""))
        for delivery, headline, uri, source_id in db.execute(query)
    ]


def _narrowed(query: Any, wanted: QueueFilter) -> Any:
    if wanted.partner_id is not None:
        query = query.where(Delivery.partner_id == wanted.partner_id)
    if wanted.event:
        query = query.where(Delivery.event == wanted.event)
    if wanted.source_id is not None:
        query = query.where(Story.source_id == wanted.source_id)
    column = (
        Delivery.created_at if wanted.time_field == TimeField.CREATED else Delivery.next_attempt_at
    )
    if wanted.since is not None:
        query = query.where(column >= wanted.since)
    if wanted.until is not None:
        query = query.where(column <= wanted.until)
    return query


def _source_names(db: Session) -> dict[int, str]:
    return {source_id: name for source_id, name in db.execute(select(Source.id, Source.name))}


def counts_per_partner(db: Session, now: datetime) -> dict[int, dict[QueueState, int]]:
    """For each partner with something in the queue: how many deliveries in each open state."""
    counts: dict[int, dict[QueueState, int]] = {}
    for state in OPEN_STATES:
        query = (
            select(Delivery.partner_id, func.count())
            .where(state_condition(state, now))
            .group_by(Delivery.partner_id)
        )
        for partner_id, count in db.execute(query):
            counts.setdefault(partner_id, {})[state] = count
    return counts


def cancel(db: Session, delivery_id: int, now: datetime, by: str, why: str) -> Delivery:
    """Stop one delivery for good: recorded on it ("canceled by <who>: <why>") and on its
    story's timeline. A delivery being sent right now cannot be canceled (its answer is still
    to come); a delivered or already canceled one neither."""
    why = " ".join(why.split())[:REASON_LENGTH]
    if not why:
        raise CancelRefused("say why it is canceled")
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise CancelRefused("there is no such delivery")
    reason = f"canceled by {by}: {why}"
    # Compare-and-set: a worker that claims it at the same moment wins, and the cancel says so.
    stoppable = or_(
        Delivery.state.in_((DeliveryState.PENDING, DeliveryState.DEAD)),
        and_(Delivery.state == DeliveryState.SENDING, Delivery.claimed_until < now),
    )
    changed = db.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, stoppable)
        .values(
            state=DeliveryState.CANCELED,
            next_attempt_at=None,
            claimed_until=None,
            queued_until=None,
            last_error=reason,
        )
        .execution_options(synchronize_session=False)
    )
    db.refresh(delivery)
    if not changed.rowcount:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise CancelRefused(_why_not_stoppable(delivery))
    events.record(
        db,
        delivery.story_id,
        Stage.DELIVERY_CANCELED,
        f"{delivery.event} to {delivery.partner.name} {reason}",
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
        by=by,
        why=why,
    )
    return delivery


def _why_not_stoppable(delivery: Delivery) -> str:
    if delivery.state == DeliveryState.SENDING:
        return "it is being sent right now: cancel it once this attempt has ended"
    return f"it is {delivery.state} already"


def resend(db: Session, delivery_id: int, now: datetime, by: str) -> Delivery:
    """Send one delivery again (`services.publish.replay`)."""
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise ReplayRefused("there is no such delivery")
    replay(db, delivery, now, requested_by=by)
    return delivery


def cancel_many(db: Session, ids: list[int], now: datetime, by: str, why: str) -> BulkReport:
    report = BulkReport()
    for delivery_id in ids:
        try:
            cancel(db, delivery_id, now, by, why)
        except CancelRefused as exc:
            report.skipped.append((delivery_id, str(exc)))
        else:
            report.done.append(delivery_id)
    return report


def resend_many(db: Session, ids: list[int], now: datetime, by: str) -> BulkReport:
    report = BulkReport()
    for delivery_id in ids:
        try:
            resend(db, delivery_id, now, by)
        except ReplayRefused as exc:
            report.skipped.append((delivery_id, str(exc)))
        else:
            report.done.append(delivery_id)
    return report


def partner_names(db: Session) -> list[tuple[int, str]]:
    query = select(Partner.id, Partner.name).order_by(Partner.name)
    return [(partner_id, name) for partner_id, name in db.execute(query)]
