"""The publish queue's own rules: which state a delivery is in, and canceling one by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.publish import delivery as sending
from services.publish import queue
from shared.models import Delivery, DeliveryState, StoryEvent, utcnow
from tests.support.factories import add_partner
from tests.support.publishing import current, deliveries_to, fan_out, translated_version


def test_a_canceled_delivery_that_was_tried_still_gets_the_update_and_the_kill(db, wire):
    """Its request may have reached the partner: the partner may have the story."""
    add_partner(db, "p")
    fan_out(db, translated_version(db))
    [tried] = deliveries_to(db, "p")
    tried.attempts, tried.last_error = 3, "HTTP 503"
    db.commit()

    queue.cancel(db, tried.id, utcnow(), "anna", "the partner is rebuilding its site")
    db.commit()
    fan_out(db, translated_version(db, version="2"))
    fan_out(db, translated_version(db, version="3", pubstatus="canceled"))

    events = [(d.event, d.state) for d in deliveries_to(db, "p")]
    assert events == [
        ("story.published", "canceled"),
        ("story.updated", "canceled"),  # replaced by the kill before it went out
        ("story.killed", "pending"),
    ]
    assert current(db, tried).attempts == 3  # the cancel keeps the count fanout relies on


def test_a_canceled_delivery_that_never_left_does_not_count_as_sent(db, wire):
    add_partner(db, "p", filters={"languages": ["en"]})  # version 2 would not match on its own
    partner = add_partner(db, "q")
    fan_out(db, translated_version(db))
    [never_tried] = deliveries_to(db, "q")

    queue.cancel(db, never_tried.id, utcnow(), "anna", "wrong partner")
    db.commit()
    fan_out(db, translated_version(db, version="2", pubstatus="canceled"))

    assert [(d.event, d.state) for d in deliveries_to(db, partner.name)] == [
        ("story.published", "canceled")  # no kill for a story it never got
    ]


def test_cancel_records_who_and_why_on_the_delivery_and_the_timeline(db, wire):
    add_partner(db, "p")
    fan_out(db, translated_version(db))
    [pending] = deliveries_to(db, "p")

    queue.cancel(db, pending.id, utcnow(), "anna", "  sent by\nhand already ")
    db.commit()

    pending = current(db, pending)
    assert pending.state == DeliveryState.CANCELED
    assert pending.last_error == "canceled by anna: sent by hand already"
    assert pending.next_attempt_at is None
    [event] = db.scalars(select(StoryEvent).where(StoryEvent.stage == "delivery_canceled"))
    assert event.detail == "story.published to p canceled by anna: sent by hand already"
    assert event.data["by"] == "anna" and event.data["delivery_id"] == pending.id
    # Canceled means never sent by a sweep again.
    assert sending.due_deliveries(db, utcnow() + timedelta(days=1)) == []


def test_cancel_refuses_without_a_reason_while_sending_and_when_finished(db, wire):
    add_partner(db, "p")
    fan_out(db, translated_version(db))
    [one] = deliveries_to(db, "p")
    now = utcnow()

    with pytest.raises(queue.CancelRefused, match="say why"):
        queue.cancel(db, one.id, now, "anna", "   ")
    assert sending.claim(db, [one.id], now) == [one.id]
    db.commit()
    with pytest.raises(queue.CancelRefused, match="being sent right now"):
        queue.cancel(db, one.id, now, "anna", "stop")
    assert current(db, one).state == DeliveryState.SENDING
    # An abandoned claim (the worker died) can be canceled.
    queue.cancel(db, one.id, now + timedelta(hours=1), "anna", "stop")
    with pytest.raises(queue.CancelRefused, match="canceled already"):
        queue.cancel(db, one.id, now, "anna", "stop")
    with pytest.raises(queue.CancelRefused, match="no such delivery"):
        queue.cancel(db, 987654, now, "anna", "stop")


def test_each_delivery_has_one_queue_state(db, wire):
    partner = add_partner(db, "p")
    fan_out(db, translated_version(db))
    [one] = deliveries_to(db, "p")
    now = utcnow()
    cases = [
        ({"attempts": 0}, queue.QueueState.PENDING),
        ({"attempts": 2}, queue.QueueState.RETRYING),
        ({"attempts": 0, "held_until": now + timedelta(hours=1)}, queue.QueueState.HELD),
        ({"attempts": 0, "held_until": now - timedelta(hours=1)}, queue.QueueState.PENDING),
        ({"state": DeliveryState.SENDING}, queue.QueueState.SENDING),
        ({"state": DeliveryState.DEAD}, queue.QueueState.DEAD),
        ({"state": DeliveryState.CANCELED}, queue.QueueState.CANCELED),
    ]
    for changes, expected in cases:
        db.query(Delivery).filter_by(id=one.id).update(
            {"state": DeliveryState.PENDING, "held_until": None} | changes
        )
        db.commit()
        one = current(db, one)
        assert queue.state_of(one, now) == expected, changes
        listed = queue.list_queue(db, queue.QueueFilter(states=(expected,)), now)
        assert [row.delivery.id for row in listed] == [one.id], changes
        others = tuple(s for s in queue.QueueState if s != expected)
        assert queue.list_queue(db, queue.QueueFilter(states=others), now) == [], changes
    assert queue.counts_per_partner(db, now) == {}  # canceled is not counted as open
    db.query(Delivery).filter_by(id=one.id).update({"state": DeliveryState.DEAD})
    db.commit()
    assert queue.counts_per_partner(db, now) == {partner.id: {queue.QueueState.DEAD: 1}}
