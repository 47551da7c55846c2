"""What partners receive: ninjs 2.2 payloads, attribution, byline, and signatures they can check
— with both the new and the old secret while a secret is being rotated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.publish import delivery, example_receiver, registry
from shared import ninjs
from tests.support.factories import add_partner, new_secret
from tests.support.publishing import deliveries_to, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


def deliver_all(db: Any, partner_name: str) -> None:
    for pending in deliveries_to(db, partner_name):
        if pending.state == "pending":
            assert delivery.attempt(pending.id) == "delivered"


def test_published_updated_and_killed_payloads_are_valid_ninjs_and_signed(db, wire, partner_site):
    secret = new_secret()
    add_partner(db, "24hw", endpoint=partner_site.url, secret=secret)
    for version in ({}, {"version": "2"}, {"version": "3", "pubstatus": "canceled"}):
        fan_out(db, translated_version(db, **version))
        deliver_all(db, "24hw")

    events = [Webhook(secret).verify(r.body.decode(), r.headers) for r in partner_site.requests]

    assert [e["type"] for e in events] == ["story.published", "story.updated", "story.killed"]
    for event in events:
        assert ninjs.problems(event["data"]) == []
        assert event["data"]["uri"] == "urn:syndikat:test:rathaus"
        assert event["data"]["copyrightnotice"] == "Source: Stern"
    assert events[1]["data"]["version"] == "2"
    assert events[2]["data"]["pubstatus"] == "canceled"
    assert ninjs.main_headline(events[0]["data"]) == "The town hall stays closed on Monday"


@pytest.mark.parametrize(
    ("policy", "byline", "expected"),
    [
        ("wire", None, "Testredaktion"),
        ("partner", "24HW Staff", "24HW Staff"),
        ("partner", None, None),
    ],
)
def test_the_byline_follows_the_partner_policy(db, wire, partner_site, policy, byline, expected):
    add_partner(
        db, "p", endpoint=partner_site.url, byline_policy=policy, byline=byline,
        attribution_template="Via {source}",
    )  # fmt: skip
    fan_out(db, translated_version(db))
    deliver_all(db, "p")

    story = partner_site.requests[0].json()["data"]

    assert story.get("by") == expected
    assert story["copyrightnotice"] == "Via Stern"


def test_during_a_rotation_each_webhook_carries_a_signature_for_either_secret(
    db, wire, partner_site, tmp_path, clock
):
    clock.set_to_wall_clock()  # both receivers check the signature's time on the wall clock
    old, new = new_secret(), new_secret()
    partner = add_partner(db, "p", endpoint=partner_site.url, secret=old)
    registry.rotate_secret(partner, new, clock.now, overlap=timedelta(hours=1))
    db.commit()
    fan_out(db, translated_version(db))
    deliver_all(db, "p")

    [request] = partner_site.requests
    assert len(request.headers["webhook-signature"].split()) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.body.decode(), request.headers)
    for secret in (old, new):  # the partner's own endpoint accepts it with either secret
        inbox = tmp_path / secret[-8:].replace("/", "_")
        receiver = example_receiver.create_app(secret=secret, inbox=inbox).test_client()
        answer = receiver.post("/webhook", data=request.body, headers=request.headers)
        assert answer.json == {"status": "stored"}


def test_after_the_overlap_only_the_new_secret_signs(db, wire, partner_site, clock):
    clock.set_to_wall_clock()  # Webhook.verify checks the signature's time on the wall clock
    old, new = new_secret(), new_secret()
    partner = add_partner(db, "p", endpoint=partner_site.url, secret=old)
    registry.rotate_secret(partner, new, clock.now - timedelta(hours=2), overlap=timedelta(hours=1))
    db.commit()
    fan_out(db, translated_version(db))
    deliver_all(db, "p")

    [request] = partner_site.requests
    Webhook(new).verify(request.body.decode(), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body.decode(), request.headers)


def test_a_retry_is_the_same_message_signed_again(db, wire, partner_site, clock):
    clock.set_to_wall_clock()  # Webhook.verify checks the signature's time on the wall clock
    secret = new_secret()
    add_partner(db, "p", endpoint=partner_site.url, secret=secret)
    fan_out(db, translated_version(db))
    target = only_delivery(db, "p")
    partner_site.script.append(Answer(status=503))
    delivery.attempt(target.id)
    delivery.attempt(target.id, now=clock.now + timedelta(hours=1))

    first, second = partner_site.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    for request in (first, second):
        Webhook(secret).verify(request.body.decode(), request.headers)
