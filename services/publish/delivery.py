"""Attempting one delivery: claim it, send it, record the attempt, schedule the next one.

The claim (state `sending` until `claimed_until`) is committed before the request goes out, so
two workers never send the same delivery at once; a worker that dies mid-send leaves a claim
that expires, and the sweep picks the delivery up again with the same webhook-id.

A delivery is sendable only when it is due, its partner is enabled, no embargo holds it (see
`services.publish.embargo`), and no earlier delivery of the same story to the same partner is
still on its way: an update or a kill never overtakes the version it replaces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from services.publish import embargo, methods, outgoing, partners, retry
from shared import db as database
from shared import events, outbox, tasks
from shared.config import get_settings
from shared.events import Stage
from shared.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Partner,
    utcnow,
)

log = logging.getLogger(__name__)

#: A new delivery is sent by the fan-out that made it; the sweep steps in only if that did not
#: happen (the worker died in between).
FIRST_SEND_GRACE = timedelta(seconds=30)
GONE = 410


class Attempted(StrEnum):
    """What an attempt at a delivery came to (the task's result)."""

    NOT_DUE = "not due"  # not sendable now: scheduled later, held, disabled, or claimed
    DELIVERED = "delivered"
    RETRYING = "retrying"
    DEAD = "dead"
    PARTNER_DISABLED = "partner disabled"  # 410 Gone


def attempt(delivery_id: int, now: datetime | None = None) -> Attempted:
    """Send the delivery if it is sendable now; returns what happened."""
    return attempt_all([delivery_id], now)[delivery_id]


def attempt_all(delivery_ids: Iterable[int], now: datetime | None = None) -> dict[int, Attempted]:
    """Send several deliveries at the same time (one story to many partners).

    They are claimed in one statement; the requests go out in parallel threads, and outcomes
    are recorded as they come in (those that come in together, in one transaction).
    """
    now = now or utcnow()
    ids = list(delivery_ids)
    if not ids:
        return {}
    with database.session() as db:
        claimed = claim(db, ids, now)
    return dict.fromkeys(ids, Attempted.NOT_DUE) | send_claimed(claimed, now)


def send_claimed(claimed: list[int], now: datetime) -> dict[int, Attempted]:
    """Send deliveries whose claim (see `claim`) has committed; returns what happened.

    What they send is read after the claim committed, outside the claiming transaction: on
    SQLite that transaction holds the database's write lock, and reading partners, stories and
    their English does not need it. Were the reading to fail, the claims are handed back.
    """
    try:
        prepared = _prepare(claimed, now)
    except BaseException:
        _release_claims(claimed)
        raise
    return _send_prepared(prepared, now)


def _prepare(claimed: list[int], now: datetime) -> dict[int, outgoing.Sending]:
    if not claimed:
        return {}
    with database.read_session() as db:
        return outgoing.prepare(db, claimed, now)


def _release_claims(claimed: list[int]) -> None:
    """Make claimed, unsent deliveries sendable again at once (instead of when the lease ends)."""
    try:
        with database.session() as db:
            db.execute(
                update(Delivery)
                .where(Delivery.id.in_(claimed), Delivery.state == DeliveryState.SENDING)
                .values(state=DeliveryState.PENDING, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
    except Exception:  # the database is failing: the claims expire and the sweep sends them
        log.exception("could not hand back the claims on deliveries %s", claimed)


def _send_prepared(prepared: dict[int, outgoing.Sending], now: datetime) -> dict[int, Attempted]:
    results: dict[int, Attempted] = {}
    if not prepared:
        return results
    if len(prepared) == 1:
        [(delivery_id, sending)] = prepared.items()
        return results | _record_outcomes({delivery_id: _send(sending)}, now)
    workers = max(1, min(len(prepared), get_settings().delivery_concurrency))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver") as pool:
        in_flight = {pool.submit(_send, s): delivery_id for delivery_id, s in prepared.items()}
        while in_flight:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            outcomes = {in_flight.pop(future): future.result() for future in done}
            results |= _record_outcomes(outcomes, now)
    return results


def claim(db: Session, ids: list[int], now: datetime) -> list[int]:
    """Claim the sendable ones of `ids` in `db`'s transaction; returns their ids.

    Nothing may be sent before that transaction commits (see `send_claimed`).
    """
    if not ids:
        return []
    lease = timedelta(seconds=get_settings().delivery_timeout_seconds * 2 + 30)
    return _claim(db, ids, now, lease)


def _claim(db: Session, ids: list[int], now: datetime, lease: timedelta) -> list[int]:
    """Mark the sendable ones of `ids` as ours until `now + lease`; returns their ids.

    The conditional update alone is enough for correctness (a row another worker claimed no
    longer matches once its lock is released). On PostgreSQL, rows another worker is claiming
    at this moment are skipped (FOR UPDATE SKIP LOCKED) instead of waited for, so workers
    sweeping the same due deliveries share them out rather than queue behind each other. On
    SQLite every transaction holds the database's write lock, so claims cannot interleave.
    """
    if database.is_postgres(db):
        ids = list(
            db.scalars(
                select(Delivery.id)
                .where(Delivery.id.in_(ids), sendable(now))
                .with_for_update(skip_locked=True, of=Delivery)
            )
        )
        if not ids:
            return []
    claimed = db.scalars(
        update(Delivery)
        .where(Delivery.id.in_(ids), sendable(now))
        .values(state=DeliveryState.SENDING, claimed_until=now + lease)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return list(claimed)


def _send(sending: outgoing.Sending) -> tuple[methods.Outcome, float]:
    """Send one delivery; returns the outcome and the seconds it took. Never raises."""
    if sending.failure is not None or sending.method is None or sending.outgoing is None:
        return sending.failure or methods.Outcome(None, "nothing to send"), 0.0
    started = time.monotonic()
    try:
        outcome = sending.method.send(sending.outgoing)
    except Exception as exc:  # a method's bug must not leave the delivery claimed
        log.exception("delivery %s failed unexpectedly", sending.outgoing.webhook_id)
        outcome = methods.Outcome(None, f"{type(exc).__name__}: {exc}")
    return outcome, time.monotonic() - started


def _record_outcomes(
    outcomes: dict[int, tuple[methods.Outcome, float]], now: datetime
) -> dict[int, Attempted]:
    """Record attempts that ended; `outcomes` maps delivery ids to (outcome, seconds taken)."""
    with database.session() as db:
        # One query for them and their partners, and no query between the records: the
        # session writes all of them in one flush.
        recorded = outgoing.with_partners(db, outcomes)
        results = {}
        for delivery in recorded:
            outcome, took = outcomes[delivery.id]
            finished = now + timedelta(seconds=took)
            results[delivery.id] = _record(db, delivery, outcome, started=now, finished=finished)
        _send_next_in_line(db, recorded)
        return results


def sendable(now: datetime) -> Any:
    """The SQL condition for a delivery that may be sent at `now`."""
    earlier = aliased(Delivery)
    still_on_its_way = exists().where(
        earlier.partner_id == Delivery.partner_id,
        earlier.story_id == Delivery.story_id,
        earlier.id < Delivery.id,
        earlier.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)),
    )
    enabled = select(Partner.id).where(Partner.enabled.is_(True)).scalar_subquery()
    waiting = (Delivery.state == DeliveryState.PENDING) & or_(
        Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now
    )
    abandoned = (Delivery.state == DeliveryState.SENDING) & (Delivery.claimed_until < now)
    return (
        or_(waiting, abandoned)
        & Delivery.partner_id.in_(enabled)
        & ~still_on_its_way
        & embargo.sendable(now)
    )


def _record(
    db: Session,
    delivery: Delivery,
    outcome: methods.Outcome,
    started: datetime,
    finished: datetime,
) -> Attempted:
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.claimed_until = None
    delivery.queued_until = None  # its task ran: a failed attempt is due at its retry time
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            started_at=started,
            duration_ms=int((finished - started).total_seconds() * 1000),
            status_code=outcome.status_code,
            error=outcome.error,
            succeeded=outcome.ok,
        )
    )
    if outcome.ok:
        result = _delivered(db, delivery, outcome, finished)
    elif outcome.status_code == GONE:
        result = _gone(db, delivery, finished)
    else:
        result = _failed(db, delivery, outcome, finished)
    return result


def _delivered(
    db: Session, delivery: Delivery, outcome: methods.Outcome, now: datetime
) -> Attempted:
    delivery.state = DeliveryState.DELIVERED
    delivery.delivered_at = now
    delivery.remote_id = outcome.remote_id or delivery.remote_id
    delivery.next_attempt_at = None
    if delivery.partner.failing_since is not None:
        delivery.partner.failing_since = None
    events.record(
        db, delivery.story_id, Stage.DELIVERED, f"{delivery.event} to {delivery.partner.name}"
    )
    return Attempted.DELIVERED


def _gone(db: Session, delivery: Delivery, now: datetime) -> Attempted:
    """410: the endpoint is gone for good. The delivery waits for the partner to be re-enabled."""
    partner = delivery.partner
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    reason = f"the endpoint answered 410 Gone at {now.isoformat(timespec='seconds')}"
    partners.disable(db, partner, reason, now)
    events.record(db, delivery.story_id, Stage.DELIVERY_FAILED, f"{partner.name}: {reason}")
    return Attempted.PARTNER_DISABLED


def _failed(db: Session, delivery: Delivery, outcome: methods.Outcome, now: datetime) -> Attempted:
    partner = delivery.partner
    partner.failing_since = partner.failing_since or now
    due = retry.next_attempt_at(delivery.attempts, now, retry_after=outcome.retry_after)
    if due is None:
        delivery.state = DeliveryState.DEAD
        delivery.next_attempt_at = None
        events.record(db, delivery.story_id, Stage.DEAD_LETTER, f"{partner.name}: {outcome.error}")
        result = Attempted.DEAD
    else:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = due
        events.record(
            db,
            delivery.story_id,
            Stage.DELIVERY_FAILED,
            f"{partner.name}: {outcome.error}; retry at {due.isoformat(timespec='seconds')}",
        )
        result = Attempted.RETRYING
    partners.disable_if_failing_too_long(db, partner, now)
    return result


def _send_next_in_line(db: Session, recorded: list[Delivery]) -> None:
    """Deliveries of the same story to the same partner were waiting for these: queue them."""
    done = {
        (d.partner_id, d.story_id): d.id
        for d in recorded
        if d.state in (DeliveryState.DELIVERED, DeliveryState.DEAD)
    }
    if not done:
        return
    waiting = db.execute(
        select(Delivery.id, Delivery.partner_id, Delivery.story_id)
        .where(
            Delivery.story_id.in_({story_id for _, story_id in done}),
            Delivery.state == DeliveryState.PENDING,
        )
        .order_by(Delivery.id)
    )
    queued: set[tuple[int, Any]] = set()
    for delivery_id, partner_id, story_id in waiting:
        key = (partner_id, story_id)
        if key in done and delivery_id > done[key] and key not in queued:
            queued.add(key)  # only the next one: it queues its own successor when it is done
            outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery_id)


#: Most deliveries one sweep queues (it runs every 5 s); the rest are due still and go next.
SWEEP_BATCH = 200


def due_deliveries(db: Session, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Deliveries the sweep should send now (retries, abandoned claims, lost first sends).

    A delivery the sweep queued a little while ago is left out until its lease
    (`queued_until`) runs out: its task may still be waiting in the publish queue.
    """
    # A held delivery was never the fan-out's to send: it leaves on the embargo's second.
    not_just_created = (
        (Delivery.attempts > 0)
        | (Delivery.created_at < now - FIRST_SEND_GRACE)
        | Delivery.held_until.is_not(None)
    )
    not_queued = or_(Delivery.queued_until.is_(None), Delivery.queued_until <= now)
    query = (
        select(Delivery.id)
        .where(sendable(now), not_just_created, not_queued)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def queue_due(db: Session, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Queue a DELIVER task for each due delivery and lease it; returns their ids."""
    due = due_deliveries(db, now, limit)
    if not due:
        return due
    lease = timedelta(seconds=get_settings().delivery_queue_lease_seconds)
    db.execute(
        update(Delivery)
        .where(Delivery.id.in_(due))
        .values(queued_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    for delivery_id in due:
        outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery_id)
    return due
