"""Operator actions: resend with the same webhook-id, replay dead letters, enable, test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from services.publish import operations
from shared import tasks
from shared.models import Delivery, DeliveryState, OutboxMessage, StoryEvent, utcnow
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.receiver import Answer, Receiver


@pytest.fixture
def story(db):
    return add_story(db, add_source(db), "Hafen")


def queued_deliveries(db) -> list[int]:
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.task_name == tasks.DELIVER))
    return [message.kwargs["delivery_id"] for message in messages]


@pytest.mark.parametrize("state", [DeliveryState.DELIVERED, DeliveryState.DEAD])
def test_resend_queues_the_same_delivery_again_with_its_webhook_id(db, story, state):
    delivery = add_delivery(db, story, add_partner(db), state, error="HTTP 500", attempts=17)
    webhook_id = delivery.webhook_id

    operations.resend(db, delivery.id, requested_by="anna")
    db.commit()

    again = db.get(Delivery, delivery.id)
    assert again.state == DeliveryState.PENDING
    assert again.webhook_id == webhook_id
    assert again.attempts == 0 and again.next_attempt_at <= utcnow()
    assert len(again.attempt_log) == 17  # the history stays
    assert queued_deliveries(db) == [delivery.id]
    event = db.scalars(select(StoryEvent).where(StoryEvent.stage == "resend")).one()
    assert event.detail == "story.published to partner queued again by anna"


def test_resend_refuses_a_delivery_being_sent_or_to_a_disabled_partner(db, story):
    sending = add_delivery(db, story, add_partner(db, "busy"), DeliveryState.SENDING)
    sending.claimed_until = utcnow() + timedelta(minutes=1)
    off = add_delivery(db, story, add_partner(db, "off", enabled=False), DeliveryState.DEAD)
    db.commit()
    with pytest.raises(operations.OperationRefused, match="being sent right now"):
        operations.resend(db, sending.id)
    with pytest.raises(operations.OperationRefused, match="off is disabled"):
        operations.resend(db, off.id)
    with pytest.raises(operations.OperationRefused, match="no delivery"):
        operations.resend(db, 999_999)
    assert queued_deliveries(db) == []


def test_replay_dead_replays_one_partners_dead_letters_or_all(db, story):
    one, two = add_partner(db, "one"), add_partner(db, "two")
    off = add_partner(db, "off", enabled=False)
    dead_one = add_delivery(db, story, one, DeliveryState.DEAD, error="x")
    other = add_story(db, story.source, "Zweite")
    dead_two = add_delivery(db, other, two, DeliveryState.DEAD, error="x")
    add_delivery(db, other, off, DeliveryState.DEAD, error="x")
    add_delivery(db, other, one, DeliveryState.DELIVERED)

    assert operations.replay_dead(db, one.id) == 1
    db.commit()
    assert queued_deliveries(db) == [dead_one.id]
    assert operations.replay_dead(db) == 1  # two's; off is disabled and stays dead
    db.commit()
    assert sorted(queued_deliveries(db)) == sorted([dead_one.id, dead_two.id])
    with pytest.raises(operations.OperationRefused):
        operations.replay_dead(db, off.id)


def test_a_partner_is_disabled_with_a_reason_and_enabled_again(db):
    partner = add_partner(db)
    operations.set_partner_enabled(db, partner.id, False, "maintenance until Monday")
    assert (partner.enabled, partner.disabled_reason) == (False, "maintenance until Monday")
    operations.set_partner_enabled(db, partner.id, True)
    assert (partner.enabled, partner.disabled_reason) == (True, None)


def test_a_test_delivery_is_signed_and_reports_the_answer(db):
    secret = new_secret()
    with Receiver() as site:
        partner = add_partner(db, endpoint=site.url, secret=secret)
        site.script.append(Answer(status=200))
        site.script.append(Answer(status=500, body=b"broken"))
        first = operations.send_test(partner.id)
        second = operations.send_test(partner.id)
        [request, _] = site.wait_for(2)
    event = Webhook(secret).verify(request.body.decode(), request.headers)
    assert event["type"] == operations.TEST_EVENT
    assert first.ok and first.status_code == 200
    assert not second.ok and "HTTP 500: broken" in second.error
    assert db.scalars(select(Delivery)).all() == []  # a test is not a delivery
