"""A partner failing for days is disabled with a visible reason and re-enabled by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from services.publish import delivery, partners, tasks
from shared.models import Delivery, Partner
from tests.support.factories import add_partner
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


def partner_named(db: Any, name: str) -> Partner:
    return db.query(Partner).filter_by(name=name).populate_existing().one()


def test_a_partner_failing_for_days_is_disabled_and_its_deliveries_wait(
    db, wire, partner_site, settings, clock
):
    start = clock.now
    settings(SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS="48")
    partner_site.default = Answer(status=500)
    add_partner(db, "down", endpoint=partner_site.url)
    for uri in ("urn:one", "urn:two"):
        fan_out(db, translated_version(db, "en-library.json", uri=uri))
    first, second = db.scalars(select(Delivery.id).order_by(Delivery.id))

    assert delivery.attempt(first, now=start) == "retrying"
    assert start <= partner_named(db, "down").failing_since < start + timedelta(minutes=1)
    assert delivery.attempt(second, now=clock.set_to(start + timedelta(hours=47))) == "retrying"
    assert partner_named(db, "down").enabled is True
    outcome = delivery.attempt(first, now=clock.set_to(start + timedelta(hours=49)))

    down = partner_named(db, "down")
    assert outcome == "retrying" and down.enabled is False
    assert "no successful delivery since" in down.disabled_reason
    assert "syndikat partners enable down" in down.disabled_reason
    later = clock.set_to(start + timedelta(days=3))
    assert delivery.due_deliveries(db, later) == []
    assert delivery.attempt(second, now=later) == "not due"

    partner_site.default = Answer(status=200)
    partners.enable(db, down, later)
    db.commit()
    assert sorted(delivery.due_deliveries(db, later)) == [first, second]
    assert [delivery.attempt(d, now=later) for d in (first, second)] == ["delivered"] * 2
    assert partner_named(db, "down").failing_since is None


def test_a_success_ends_a_run_of_failures(db, wire, partner_site, clock):
    add_partner(db, "flaky", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    target = only_delivery(db, "flaky")
    partner_site.script.append(Answer(status=500))

    delivery.attempt(target.id, now=clock.now)
    assert partner_named(db, "flaky").failing_since is not None
    delivery.attempt(target.id, now=clock.set_to(current(db, target).next_attempt_at))

    assert partner_named(db, "flaky").failing_since is None


def test_the_sweep_disables_a_partner_failing_too_long_even_with_nothing_left_to_retry(
    db, wire, settings, clock
):
    settings(SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS="72")
    add_partner(db, "gone-quiet", failing_since=clock.now - timedelta(days=4))
    add_partner(db, "fine", failing_since=clock.now - timedelta(hours=1))

    tasks.sweep_deliveries()

    assert partner_named(db, "gone-quiet").enabled is False
    assert partner_named(db, "fine").enabled is True
