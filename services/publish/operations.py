"""What an operator does to deliveries and partners by hand (dashboard, CLI, API).

Resending keeps the delivery's webhook-id, so a partner that did get it the first time drops the
copy as a duplicate. Every action lands on the story's timeline.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.publish import methods
from shared import db as database
from shared import events, outbox, tasks
from shared.models import Delivery, DeliveryState, Partner, utcnow

TEST_EVENT = "syndikat.test"


class OperationRefused(ValueError):
    """The action cannot be done now; the message says why."""


def resend(db: Session, delivery_id: int, requested_by: str | None = None) -> Delivery:
    """Send a delivery again now, with a fresh retry budget and the same webhook-id."""
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise OperationRefused(f"no delivery {delivery_id}")
    if delivery.state == DeliveryState.SENDING and (delivery.claimed_until or utcnow()) > utcnow():
        raise OperationRefused("this delivery is being sent right now")
    if not delivery.partner.enabled:
        raise OperationRefused(f"partner {delivery.partner.name} is disabled; enable it first")
    _requeue(db, delivery)
    events.record(
        db,
        delivery.story_id,
        "resend",
        f"{delivery.event} to {delivery.partner.name} queued again{_by(requested_by)}",
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
    )
    return delivery


def replay_dead(db: Session, partner_id: int | None = None, requested_by: str | None = None) -> int:
    """Resend every dead letter (of one partner); dead letters of disabled partners stay."""
    query = (
        select(Delivery)
        .join(Partner)
        .where(Delivery.state == DeliveryState.DEAD, Partner.enabled.is_(True))
        .order_by(Delivery.id)
    )
    if partner_id is not None:
        partner = db.get(Partner, partner_id)
        if partner is None or not partner.enabled:
            raise OperationRefused("no such partner, or it is disabled; enable it first")
        query = query.where(Delivery.partner_id == partner_id)
    replayed = 0
    for delivery in db.scalars(query):
        _requeue(db, delivery)
        events.record(
            db,
            delivery.story_id,
            "replayed",
            f"dead letter to {delivery.partner.name} replayed{_by(requested_by)}",
            delivery_id=delivery.id,
        )
        replayed += 1
    return replayed


def _requeue(db: Session, delivery: Delivery) -> None:
    delivery.state = DeliveryState.PENDING
    # A fresh retry budget: the attempt log (delivery_attempts) keeps the history.
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claimed_until = None
    outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery.id)


def set_partner_enabled(
    db: Session, partner_id: int, enabled: bool, reason: str | None = None
) -> Partner:
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise OperationRefused(f"no partner {partner_id}")
    partner.enabled = enabled
    partner.disabled_reason = None if enabled else (reason or "disabled by hand")
    return partner


def send_test(partner_id: int) -> methods.Outcome:
    """Send the partner a signed test event now; not recorded as a delivery."""
    with database.session() as db:
        partner = db.get(Partner, partner_id)
        if partner is None:
            raise OperationRefused(f"no partner {partner_id}")
        method = methods.method_for(partner.method)
        outgoing = methods.Outgoing(
            event=TEST_EVENT,
            webhook_id=f"msg_test_{uuid.uuid4().hex}",
            occurred_at=utcnow(),
            endpoint=partner.endpoint or "",
            secret=partner.secret,
            credentials=partner.credentials_dict(),
            story=_test_story(),
        )
    return method.send(outgoing)


def _test_story() -> dict[str, object]:
    return {
        "uri": f"urn:syndikat:test:{uuid.uuid4().hex}",
        "type": "text",
        "version": "1",
        "pubstatus": "usable",
        "language": "en",
        "headlines": [{"role": "main", "value": "Syndikat test delivery: please ignore"}],
    }


def _by(requested_by: str | None) -> str:
    return f" by {requested_by}" if requested_by else ""
