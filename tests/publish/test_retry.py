"""The retry schedule, on a clock the tests control: backoff, jitter, Retry-After, dead letters."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.publish import delivery, retry
from services.publish.delivery import Attempted
from shared.config import get_settings
from shared.models import StoryEvent
from tests.support.factories import add_partner
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer

START = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)  # pure schedule arithmetic: no clock involved


class FixedJitter(random.Random):
    """Jitter pinned to one end of its range."""

    def __init__(self, pick: str):
        super().__init__()
        self.pick = pick

    def uniform(self, a: float, b: float) -> float:
        return a if self.pick == "shortest" else b


def schedule(rng: random.Random) -> list[datetime]:
    """Every attempt time of a delivery that always fails, until it is dead."""
    times = [START]
    while (due := retry.next_attempt_at(len(times), times[-1], rng)) is not None:
        times.append(due)
    return times


@pytest.mark.parametrize("jitter", ["shortest", "longest"])
def test_a_failing_delivery_is_retried_for_more_than_a_day_then_given_up(jitter):
    times = schedule(FixedJitter(jitter))

    assert len(times) == retry.MAX_ATTEMPTS
    assert times[-1] - times[0] >= timedelta(hours=24)
    assert times[-1] - times[0] <= timedelta(hours=40)


def test_delays_double_up_to_a_ceiling():
    times = schedule(FixedJitter("longest"))
    delays = [later - earlier for earlier, later in itertools.pairwise(times)]

    assert delays[:4] == [timedelta(seconds=s) for s in (10, 20, 40, 80)]
    assert max(delays) == timedelta(hours=4)
    assert delays[-1] == timedelta(hours=4)


def test_the_schedule_is_configurable(monkeypatch):
    monkeypatch.setenv("SYNDIKAT_RETRY_FIRST_DELAY", "1")
    monkeypatch.setenv("SYNDIKAT_RETRY_MAX_DELAY", "5")
    get_settings.cache_clear()
    try:
        times = schedule(FixedJitter("longest"))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    delays = [later - earlier for earlier, later in itertools.pairwise(times)]

    assert delays[:4] == [timedelta(seconds=s) for s in (1, 2, 4, 5)]
    assert max(delays) == timedelta(seconds=5)


def test_jitter_spreads_partners_that_failed_together():
    due = {retry.next_attempt_at(5, START, random.Random(seed)) for seed in range(20)}

    assert len(due) > 10
    backoff = retry.backoff(5)
    assert all(START + backoff * retry.MIN_JITTER <= d <= START + backoff for d in due)


def test_retry_after_lengthens_the_wait_but_never_shortens_it():
    rng = FixedJitter("longest")
    backoff = retry.backoff(6)

    assert retry.next_attempt_at(6, START, rng, retry_after=5) == START + backoff
    assert retry.next_attempt_at(6, START, rng, retry_after=7200) == START + timedelta(hours=2)
    capped = retry.next_attempt_at(6, START, rng, retry_after=10**9)
    assert capped == START + retry.MAX_RETRY_AFTER


def test_a_delivery_that_always_fails_becomes_a_dead_letter_after_a_day(
    db, wire, partner_site, clock
):
    partner_site.default = Answer(status=500)
    add_partner(db, "down", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    target = only_delivery(db, "down")

    start = now = clock.now
    while (outcome := delivery.attempt(target.id, now=now)) == Attempted.RETRYING:
        due = current(db, target).next_attempt_at
        assert delivery.due_deliveries(db, due - timedelta(seconds=1)) == []
        assert delivery.due_deliveries(db, due) == [target.id]
        now = clock.set_to(due)

    dead = current(db, target)
    assert outcome == Attempted.DEAD and dead.state == "dead"
    assert dead.attempts == retry.MAX_ATTEMPTS == len(partner_site.requests)
    assert now - start >= timedelta(hours=24)
    assert {r.headers["webhook-id"] for r in partner_site.requests} == {dead.webhook_id}
    assert delivery.due_deliveries(db, now + timedelta(days=30)) == []
    stages = db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)).all()
    assert stages.count("delivery_failed") == retry.MAX_ATTEMPTS - 1
    assert stages[-1] == "dead_letter"
