"""The delivery sweep queues a due delivery once per lease, not on every run (every 5 s)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.publish import delivery, tasks
from shared import tasks as task_names
from shared.models import Delivery
from tests.support.factories import add_partner, queued
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


def failed_once(db: Any, partner_site: Any, clock: Any) -> Delivery:
    """A delivery whose first attempt failed, with the clock at its retry time."""
    partner_site.default = Answer(status=500)
    add_partner(db, "flaky", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    target = only_delivery(db, "flaky")
    assert delivery.attempt(target.id, now=clock.now) == "retrying"
    clock.set_to(current(db, target).next_attempt_at)
    return target


def test_a_queued_delivery_is_not_queued_again_before_its_lease_ends(
    db, wire, partner_site, clock, settings
):
    settings(SYNDIKAT_DELIVERY_QUEUE_LEASE="300")
    target = failed_once(db, partner_site, clock)

    first = tasks.sweep_deliveries()
    runs_within_lease = []
    for _ in range(59):  # the publish queue is behind: nothing ran the task for 295 s
        clock.advance(seconds=5)
        runs_within_lease.append(tasks.sweep_deliveries())
    clock.advance(seconds=5)  # the lease is over: the task may have been lost
    after_lease = tasks.sweep_deliveries()

    assert first == 1
    assert runs_within_lease == [0] * 59
    assert after_lease == 1
    assert queued(db, task_names.DELIVER) == [{"delivery_id": target.id}] * 2


def test_an_attempt_ends_the_lease_so_its_retry_is_queued_on_time(
    db, wire, partner_site, clock, settings
):
    settings(SYNDIKAT_DELIVERY_QUEUE_LEASE="3600")
    target = failed_once(db, partner_site, clock)
    assert tasks.sweep_deliveries() == 1

    assert delivery.attempt(target.id, now=clock.now) == "retrying"  # the queued task ran
    retry_at = current(db, target).next_attempt_at
    assert retry_at < clock.now + timedelta(hours=1)
    clock.set_to(retry_at)

    assert tasks.sweep_deliveries() == 1
