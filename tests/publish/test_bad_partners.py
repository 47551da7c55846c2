"""Partners that misbehave: every failure is recorded and retried under the same webhook-id.

Each case scripts the partner's first answer, then lets it answer 200 at the retry: nothing is
lost and the story is never sent under a second id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.publish import delivery, partners
from shared.models import Delivery, DeliveryAttempt, Partner
from tests.support.factories import add_partner
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


@dataclass(frozen=True)
class Case:
    answer: Answer
    outcome: str
    error: str | None = None  # part of the recorded error


def _http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


CASES = {
    "answers 500": Case(Answer(status=500, body=b"boom"), "retrying", "HTTP 500: boom"),
    "times out": Case(Answer(delay=1.5), "retrying", "timed out"),
    "answers slowly": Case(Answer(delay=0.3), "delivered"),
    "redirects": Case(
        Answer(status=301, headers={"Location": "/elsewhere"}),
        "retrying",
        "redirect to /elsewhere not followed",
    ),
    "answers 404": Case(Answer(status=404), "retrying", "HTTP 404"),
    "returns a garbage body": Case(Answer(body=b"\xff\x00<html>nonsense"), "delivered"),
    "returns garbage instead of HTTP": Case(
        Answer(raw=b"\x00\xffNOT HTTP AT ALL\r\n\r\n"), "retrying", "RemoteProtocolError"
    ),
    "closes the connection": Case(Answer(close=True), "retrying", "RemoteProtocolError"),
}


@pytest.fixture
def story_for(db: Any, wire: Any, partner_site: Any, settings: Any, clock: Any) -> Any:
    settings(SYNDIKAT_DELIVERY_TIMEOUT="0.8")
    add_partner(db, "flaky", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    return only_delivery(db, "flaky")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_misbehaving_partner_gets_the_story_once_it_answers_under_the_same_id(
    db, story_for, partner_site, case
):
    partner_site.script.append(case.answer)

    assert delivery.attempt(story_for.id) == case.outcome
    if case.outcome == "retrying":
        failed = current(db, story_for)
        assert case.error in failed.last_error
        assert delivery.attempt(story_for.id, now=failed.next_attempt_at) == "delivered"

    ids = {request.headers["webhook-id"] for request in partner_site.requests}
    assert ids == {story_for.webhook_id}
    assert current(db, story_for).state == "delivered"
    assert len(db.scalars(select(Delivery)).all()) == 1
    assert partner_site.requests[0].path == "/hook"  # a redirect was never followed


def test_429_and_503_put_the_next_attempt_after_retry_after(db, story_for, partner_site, clock):
    partner_site.script.append(Answer(status=429, headers={"Retry-After": "600"}))
    started = clock.now

    assert delivery.attempt(story_for.id, now=started) == "retrying"
    first_wait = current(db, story_for).next_attempt_at - started
    assert timedelta(seconds=600) <= first_wait < timedelta(seconds=605)
    assert delivery.attempt(story_for.id, now=clock.advance(seconds=300)) == "not due"

    second_try = clock.set_to(started + first_wait)
    in_an_hour = _http_date(second_try + timedelta(hours=1))
    partner_site.script.append(Answer(status=503, headers={"Retry-After": in_an_hour}))
    assert delivery.attempt(story_for.id, now=second_try) == "retrying"
    second_wait = current(db, story_for).next_attempt_at - second_try
    assert second_wait >= timedelta(seconds=3500)


def test_an_absurd_retry_after_is_capped(db, story_for, partner_site, clock):
    from services.publish import retry

    partner_site.script.append(Answer(status=429, headers={"Retry-After": str(30 * 86400)}))
    now = clock.now

    delivery.attempt(story_for.id, now=now)

    wait = current(db, story_for).next_attempt_at - now
    assert retry.MAX_RETRY_AFTER <= wait < retry.MAX_RETRY_AFTER + timedelta(seconds=5)


def test_410_disables_the_partner_and_the_delivery_waits_for_it(db, story_for, partner_site, clock):
    partner_site.script.append(Answer(status=410))

    assert delivery.attempt(story_for.id) == "partner disabled"

    partner = db.scalars(select(Partner)).one()
    assert partner.enabled is False
    assert "410 Gone" in partner.disabled_reason
    assert "syndikat partners enable flaky" in partner.disabled_reason
    later = clock.now + timedelta(days=1)
    assert delivery.attempt(story_for.id, now=later) == "not due"
    assert delivery.due_deliveries(db, later) == []

    partners.enable(db, partner, clock.now)
    db.commit()
    assert delivery.attempt(story_for.id) == "delivered"
    ids = {request.headers["webhook-id"] for request in partner_site.requests}
    assert ids == {story_for.webhook_id} and len(partner_site.requests) == 2


def test_a_method_that_crashes_leaves_the_delivery_to_retry(db, story_for, monkeypatch):
    from services.publish.methods import webhook

    def crash(self: Any, outgoing: Any) -> Any:
        raise RuntimeError("bug in a delivery method")

    monkeypatch.setattr(webhook.WebhookMethod, "send", crash)

    assert delivery.attempt(story_for.id) == "retrying"
    failed = current(db, story_for)
    assert failed.state == "pending" and failed.claimed_until is None
    assert "bug in a delivery method" in db.scalars(select(DeliveryAttempt.error)).one()
