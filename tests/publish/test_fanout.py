"""Who gets which version: filters, updates, kills, pull feeds, and order per partner."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.publish import delivery
from shared.models import Delivery
from tests.support.factories import add_partner, add_source
from tests.support.publishing import (
    current,
    deliveries_to,
    fan_out,
    only_delivery,
    translated_version,
)
from tests.support.receiver import Answer

POLITICS = {"name": "Politik", "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}


def events_by_partner(db: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in db.scalars(select(Delivery).order_by(Delivery.id)):
        found.setdefault(d.partner.name, []).append(f"{d.event}:{d.state}")
    return found


@pytest.mark.parametrize(
    ("filters", "taken"),
    [
        ({}, True),
        ({"languages": ["de"]}, True),
        ({"languages": ["en"]}, False),
        ({"sources": ["wire"]}, True),
        ({"sources": ["dpa"]}, False),
        ({"subjects": ["politik"]}, True),
        ({"subjects": ["11000000"]}, True),
        ({"subjects": [POLITICS["uri"]]}, True),
        ({"subjects": ["Sport"]}, False),
        ({"urgency": 3}, True),
        ({"urgency": 2}, False),
        ({"languages": ["de"], "subjects": ["Sport"]}, False),
    ],
)
def test_a_new_story_goes_to_the_partners_whose_filters_it_matches(db, wire, filters, taken):
    add_partner(db, "p", filters=filters)

    created = fan_out(db, translated_version(db, subjects=[POLITICS], urgency=3))

    assert created == (1 if taken else 0)


def test_an_urgency_filter_does_not_take_a_story_without_urgency(db, wire):
    add_partner(db, "urgent-only", filters={"urgency": 9})
    assert fan_out(db, translated_version(db)) == 0


def test_updates_reach_partners_that_had_the_story_and_those_it_newly_matches(
    db, wire, partner_site
):
    add_partner(db, "had-it", endpoint=partner_site.url, filters={"subjects": ["Politik"]})
    add_partner(db, "sport-desk", endpoint=partner_site.url, filters={"subjects": ["Sport"]})
    fan_out(db, translated_version(db, subjects=[POLITICS]))
    assert delivery.attempt(only_delivery(db, "had-it").id) == "delivered"

    sport = {"name": "Sport", "uri": "http://cv.iptc.org/newscodes/mediatopic/15000000"}
    fan_out(db, translated_version(db, version="2", subjects=[sport]))

    assert events_by_partner(db) == {
        "had-it": ["story.published:delivered", "story.updated:pending"],
        "sport-desk": ["story.published:pending"],
    }


def test_a_partner_that_was_down_gets_only_the_latest_version_as_published(db, wire, partner_site):
    add_partner(db, "was-down", endpoint=partner_site.url)
    fan_out(db, translated_version(db))

    fan_out(db, translated_version(db, version="2"))
    sent = delivery.attempt(deliveries_to(db, "was-down")[-1].id)

    assert events_by_partner(db) == {
        "was-down": ["story.published:canceled", "story.published:delivered"]
    }
    assert sent == "delivered"
    [request] = partner_site.requests
    assert request.json()["data"]["version"] == "2"


def test_a_kill_cancels_what_was_never_sent_and_sends_nothing(db, wire, partner_site, clock):
    add_partner(db, "never-got-it", endpoint=partner_site.url)
    fan_out(db, translated_version(db))

    assert fan_out(db, translated_version(db, version="2", pubstatus="canceled")) == 0

    assert events_by_partner(db) == {"never-got-it": ["story.published:canceled"]}
    assert delivery.due_deliveries(db, clock.now + timedelta(days=1)) == []


def test_a_kill_reaches_a_partner_whose_delivery_is_failing(db, wire, partner_site):
    """A failed attempt may still have reached the partner (a timeout): it must withdraw it."""
    add_partner(db, "flaky", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    partner_site.script.append(Answer(status=502))
    assert delivery.attempt(only_delivery(db, "flaky").id) == "retrying"

    fan_out(db, translated_version(db, version="2", pubstatus="canceled"))

    assert events_by_partner(db) == {"flaky": ["story.published:canceled", "story.killed:pending"]}


def send_in_background(db: Any, partner_site: Any, delivery_id: int) -> threading.Thread:
    """Start sending a delivery the partner answers slowly; returns once it is on the wire."""
    partner_site.script.append(Answer(delay=1.0))
    sending = threading.Thread(target=delivery.attempt, args=(delivery_id,))
    sending.start()
    partner_site.wait_for(len(partner_site.requests) + 1)
    return sending


def arrived(partner_site: Any) -> list[tuple[str, str]]:
    return [(r.json()["type"], r.json()["data"]["version"]) for r in partner_site.requests]


def test_an_update_waits_while_the_version_it_replaces_is_being_sent(db, wire, partner_site, clock):
    add_partner(db, "slow", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    sending = send_in_background(db, partner_site, only_delivery(db, "slow").id)

    fan_out(db, translated_version(db, version="2"))
    update = deliveries_to(db, "slow")[1]
    held = delivery.attempt(update.id)
    # Within the original's claim, and past the grace a new delivery gets: still held back.
    assert delivery.due_deliveries(db, clock.now + timedelta(seconds=40)) == []
    sending.join()

    assert (held, delivery.attempt(update.id)) == ("not due", "delivered")
    assert arrived(partner_site) == [("story.published", "1"), ("story.updated", "2")]


def test_a_kill_replaces_an_unsent_update_and_waits_for_the_version_being_sent(
    db, wire, partner_site
):
    add_partner(db, "slow", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    sending = send_in_background(db, partner_site, only_delivery(db, "slow").id)

    fan_out(db, translated_version(db, version="2"))
    fan_out(db, translated_version(db, version="3", pubstatus="canceled"))
    update, kill = deliveries_to(db, "slow")[1:]
    held = delivery.attempt(kill.id)
    sending.join()

    assert (held, delivery.attempt(kill.id)) == ("not due", "delivered")
    assert current(db, update).state == "canceled"
    assert arrived(partner_site) == [("story.published", "1"), ("story.killed", "3")]


def test_a_pull_feed_partner_gets_its_stories_recorded_as_available(db, wire, partner_site):
    add_partner(db, "puller", method="feed", endpoint=None, secret=None)
    fan_out(db, translated_version(db))
    fan_out(db, translated_version(db, version="2"))
    fan_out(db, translated_version(db, version="3", pubstatus="canceled"))

    assert events_by_partner(db) == {
        "puller": ["story.published:delivered", "story.updated:delivered", "story.killed:delivered"]
    }
    assert partner_site.requests == []


def test_a_late_fan_out_of_an_older_version_sends_nothing(db, wire):
    add_partner(db, "p")
    first = translated_version(db)
    second = translated_version(db, version="2")

    assert fan_out(db, second) == 1
    assert fan_out(db, first) == 0


def test_a_disabled_partner_that_had_the_story_still_gets_the_kill_when_back(
    db, wire, partner_site
):
    add_partner(db, "p", endpoint=partner_site.url)
    add_source(db, "other")
    fan_out(db, translated_version(db))
    assert delivery.attempt(only_delivery(db, "p").id) == "delivered"
    partner = only_delivery(db, "p").partner
    partner.enabled = False
    db.commit()

    fan_out(db, translated_version(db, version="2", pubstatus="canceled"))

    assert events_by_partner(db) == {"p": ["story.published:delivered", "story.killed:pending"]}


def test_a_delivery_canceled_after_an_attempt_still_brings_the_kill(db, wire, partner_site):
    """The first attempt may have reached the partner (its answer was lost); an update then
    canceled it, and a kill came before the update was sent: the partner may have the story."""
    add_partner(db, "lost-answer", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    partner_site.script.append(Answer(close=True))
    assert delivery.attempt(only_delivery(db, "lost-answer").id) == "retrying"
    fan_out(db, translated_version(db, version="2"))

    fan_out(db, translated_version(db, version="3", pubstatus="canceled"))
    kill = deliveries_to(db, "lost-answer")[-1]

    assert events_by_partner(db) == {
        "lost-answer": [
            "story.published:canceled",
            "story.updated:canceled",
            "story.killed:pending",
        ]
    }
    assert delivery.attempt(kill.id) == "delivered"
    assert arrived(partner_site) == [("story.published", "1"), ("story.killed", "3")]


def test_an_update_after_a_canceled_attempt_is_sent_as_an_update(db, wire, partner_site):
    add_partner(db, "lost-answer", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    partner_site.script.append(Answer(close=True))
    assert delivery.attempt(only_delivery(db, "lost-answer").id) == "retrying"
    fan_out(db, translated_version(db, version="2"))

    fan_out(db, translated_version(db, version="3"))

    assert events_by_partner(db) == {
        "lost-answer": [
            "story.published:canceled",
            "story.updated:canceled",
            "story.updated:pending",
        ]
    }
