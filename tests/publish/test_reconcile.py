"""A story whose fan-out was lost — translated but never sent, or killed but the kill never
reached a partner that had it — is queued again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.publish import delivery, reconcile
from shared import tasks
from tests.support.factories import add_partner, queued
from tests.support.publishing import fan_out, translated_version

STALL = timedelta(minutes=5)


def requeue(db: Any, clock: Any) -> int:
    """The sweep, run once more than a stall period after the stories last changed."""
    count = reconcile.requeue_stalled(db, clock.advance(STALL * 2), STALL)
    db.commit()
    return count


def fan_outs(db: Any) -> list[dict]:
    return queued(db, tasks.FAN_OUT)


def test_a_translated_story_that_never_went_out_is_fanned_out_again(db, wire, clock):
    add_partner(db, "24hw")
    version_id = translated_version(db)  # queues FAN_OUT once; pretend that message was lost

    assert requeue(db, clock) == 1
    assert fan_outs(db) == [{"story_version_id": version_id}] * 2

    fan_out(db, version_id)  # the re-queued task runs: the story is published
    assert requeue(db, clock) == 0


def test_a_kill_that_never_reached_a_partner_that_had_the_story_is_sent_again(
    db, wire, partner_site, clock
):
    add_partner(db, "24hw", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    assert set(delivery.attempt_all(range(1, 1000)).values()) >= {"delivered"}
    kill_id = translated_version(db, version="2", pubstatus="canceled")
    kill_fan_outs = fan_outs(db).count({"story_version_id": kill_id})

    assert requeue(db, clock) == 1
    assert fan_outs(db).count({"story_version_id": kill_id}) == kill_fan_outs + 1

    fan_out(db, kill_id)
    assert requeue(db, clock) == 0


def test_a_kill_of_a_story_nobody_received_needs_nothing(db, wire, clock):
    add_partner(db, "24hw")
    translated_version(db)
    translated_version(db, version="2", pubstatus="canceled")

    assert requeue(db, clock) == 0
