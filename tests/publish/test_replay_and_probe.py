"""Replaying by hand (one delivery, or every failed one of one partner or all since a time) and
the test delivery, as the CLI, the API and the dashboard call them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from services.publish import probe, probe_results, replay
from services.publish.tasks import probe_partner
from shared import tasks
from shared.models import Delivery, DeliveryState, OutboxMessage, StoryEvent
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.receiver import Answer, Receiver


@pytest.fixture
def story(db):
    return add_story(db, add_source(db), "Hafen")


def queued_deliveries(db) -> list[int]:
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.task_name == tasks.DELIVER))
    return sorted(message.kwargs["delivery_id"] for message in messages)


@pytest.mark.parametrize("state", [DeliveryState.DELIVERED, DeliveryState.DEAD])
def test_a_replay_sends_the_same_delivery_again_with_its_webhook_id(db, story, state, clock):
    delivery = add_delivery(db, story, add_partner(db), state, error="HTTP 500", attempts=17)
    webhook_id = delivery.webhook_id

    replay.replay(db, delivery, clock.now, requested_by="anna")
    db.commit()

    again = db.get(Delivery, delivery.id)
    assert again.state == DeliveryState.PENDING
    assert again.webhook_id == webhook_id
    assert again.attempts == 0 and again.next_attempt_at <= clock.now
    assert len(again.attempt_log) == 17  # the history stays
    assert queued_deliveries(db) == [delivery.id]
    event = db.scalars(select(StoryEvent).where(StoryEvent.stage == "replayed")).one()
    assert event.detail == "story.published to partner by anna"
    assert event.data == {"delivery_id": delivery.id, "webhook_id": webhook_id}


def test_a_delivery_being_sent_or_replaced_by_a_later_one_is_not_replayed(db, story, clock):
    busy = add_delivery(db, story, add_partner(db, "busy"), DeliveryState.SENDING)
    busy.claimed_until = clock.now + timedelta(minutes=1)
    partner = add_partner(db, "moved-on")
    old = add_delivery(db, story, partner, DeliveryState.DEAD, error="x")
    add_delivery(db, story, partner, DeliveryState.DELIVERED, event="story.updated")
    db.commit()
    with pytest.raises(replay.ReplayRefused, match="being sent right now"):
        replay.replay(db, busy, clock.now)
    with pytest.raises(replay.ReplayRefused, match="a later delivery of the story replaced it"):
        replay.replay(db, old, clock.now)
    assert queued_deliveries(db) == []


def test_every_failed_delivery_of_one_partner_or_of_all_since_a_time(db, story, clock):
    one, two = add_partner(db, "one"), add_partner(db, "two")
    off = add_partner(db, "off", enabled=False)
    other = add_story(db, story.source, "Zweite")
    dead_one = add_delivery(db, story, one, DeliveryState.DEAD, error="x")
    retrying_two = add_delivery(db, other, two, DeliveryState.PENDING, error="x", attempts=3)
    dead_off = add_delivery(db, other, off, DeliveryState.DEAD, error="x")
    add_delivery(db, other, one, DeliveryState.DELIVERED)
    old = add_story(db, story.source, "Alt", received=clock.now - timedelta(days=3))
    dead_old = add_delivery(db, old, two, DeliveryState.DEAD, error="x")

    report = replay.replay_failed(db, one, None, clock.now)
    db.commit()
    assert report.replayed == [dead_one.id] and queued_deliveries(db) == [dead_one.id]

    since = clock.now - timedelta(days=1)
    report = replay.replay_failed(db, None, since, clock.now, requested_by="anna")
    db.commit()
    # A disabled partner's delivery waits, pending, until the partner is enabled again.
    assert sorted(report.replayed) == sorted([retrying_two.id, dead_off.id])
    assert db.get(Delivery, dead_old.id).state == DeliveryState.DEAD
    assert db.get(Delivery, dead_off.id).state == DeliveryState.PENDING


def test_a_test_delivery_is_signed_and_reports_the_answer(db):
    secret = new_secret()
    with Receiver() as site:
        partner = add_partner(db, endpoint=site.url, secret=secret)
        site.script.append(Answer(status=200))
        site.script.append(Answer(status=500, body=b"broken"))
        first = probe.send_test(partner.id)
        second = probe.send_test(partner.id)
        [request, _] = site.wait_for(2)
    event = Webhook(secret).verify(request.body.decode(), request.headers)
    assert event["type"] == probe.TEST_EVENT
    assert first.ok and first.status_code == 200
    assert not second.ok and "HTTP 500: broken" in second.error
    assert db.scalars(select(Delivery)).all() == []  # a test is not a delivery


def test_a_feed_partner_or_an_unknown_one_gets_no_test(db):
    puller = add_partner(db, "puller", method="feed", endpoint=None, secret=None)
    with pytest.raises(probe.NotSent, match="puller pulls a feed"):
        probe.send_test(puller.id)
    with pytest.raises(probe.NotSent, match="no partner"):
        probe.send_test(999_999)


def test_the_probe_task_keeps_the_partners_answer_for_the_dashboard(db):
    with Receiver() as site:
        partner = add_partner(db, endpoint=site.url, secret=new_secret())
        site.script.append(Answer(status=401, body=b"bad signature"))
        assert probe_partner(partner.id) is False
    result = probe_results.latest([partner.id])[partner.id]
    assert result.state == probe_results.FAILED
    assert result.detail == "HTTP 401: bad signature"


def test_a_test_queued_for_a_partner_that_since_pulls_a_feed_says_why_none_was_sent(db):
    partner = add_partner(db, "turned", endpoint="https://turned.example/hook")
    probe.queue_test(db, partner.id)
    db.commit()
    assert probe_results.latest([partner.id])[partner.id].state == probe_results.QUEUED
    assert db.scalars(select(OutboxMessage.kwargs)).all() == [{"partner_id": partner.id}]
    partner.method, partner.endpoint = "feed", None
    db.commit()

    assert probe_partner(partner.id) is False
    result = probe_results.latest([partner.id])[partner.id]
    assert result.state == probe_results.FAILED
    assert result.detail.startswith("not sent: turned pulls a feed")
