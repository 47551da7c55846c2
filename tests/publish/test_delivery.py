"""Fan-out and delivery: signed, recorded, retried with the same webhook-id, never untranslated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from services.publish import delivery
from services.publish.delivery import Attempted
from shared.models import Delivery, DeliveryAttempt
from tests.support.factories import add_partner, new_secret
from tests.support.publishing import fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


def test_each_enabled_partner_gets_one_delivery_however_often_fan_out_runs(db, wire):
    add_partner(db, "one")
    add_partner(db, "two")
    add_partner(db, "off", enabled=False)
    version_id = translated_version(db)

    first = fan_out(db, version_id)
    again = fan_out(db, version_id)

    assert (first, again) == (2, 0)
    names = sorted(d.partner.name for d in db.scalars(select(Delivery)))
    assert names == ["one", "two"]


def test_a_delivery_is_signed_and_a_failure_is_retried_with_the_same_webhook_id(
    db, wire, partner_site, clock
):
    clock.set_to_wall_clock()  # Webhook.verify below checks the signature's time on it
    secret = new_secret()
    add_partner(db, "24hw", endpoint=partner_site.url, secret=secret)
    version_id = translated_version(db)
    fan_out(db, version_id)
    delivery_id = db.scalars(select(Delivery.id)).one()
    partner_site.script.append(Answer(status=500, body=b"oops"))

    assert delivery.attempt(delivery_id) == Attempted.RETRYING
    failed = db.get_one(Delivery, delivery_id)
    assert failed.state == "pending" and failed.last_status_code == 500
    assert failed.next_attempt_at > clock.now
    assert delivery.attempt(delivery_id) == Attempted.NOT_DUE  # the schedule is respected

    later = failed.next_attempt_at + timedelta(seconds=1)
    assert delivery.attempt(delivery_id, now=later) == Attempted.DELIVERED

    first, second = partner_site.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == failed.webhook_id
    assert first.body == second.body
    event = Webhook(secret).verify(second.body.decode(), second.headers)
    assert event["type"] == "story.published"
    assert event["data"]["copyrightnotice"] == "Source: Stern"
    attempts = db.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.status_code, a.succeeded) for a in attempts] == [(500, False), (200, True)]


def test_an_untranslated_version_is_never_fanned_out(db, wire):
    add_partner(db, "one")
    version_id = translated_version(db, headlines=[{"value": "Unbekannter Satz"}])

    assert fan_out(db, version_id) == 0
    assert db.scalars(select(Delivery)).all() == []


def test_a_kill_goes_only_to_partners_that_had_the_story(db, wire, partner_site):
    add_partner(db, "had-it", endpoint=partner_site.url)
    version_id = translated_version(db)
    fan_out(db, version_id)
    assert delivery.attempt(only_delivery(db, "had-it").id) == Attempted.DELIVERED
    add_partner(db, "came-later", endpoint=partner_site.url)
    kill_id = translated_version(db, version="2", pubstatus="canceled")

    assert fan_out(db, kill_id) == 1

    kill = db.scalars(select(Delivery).where(Delivery.event == "story.killed")).one()
    assert kill.partner.name == "had-it"
    assert delivery.attempt(kill.id) == Attempted.DELIVERED
    assert partner_site.requests[-1].json()["data"]["pubstatus"] == "canceled"
