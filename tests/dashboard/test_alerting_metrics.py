"""Alerting-grade /metrics: counters that name the source, engine and partner and never go down
(not even when retention prunes attempts), ages of what waits, build info, and the API's own
request metrics."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from services.api import create_app as create_api
from services.ingest import retention
from shared.models import (
    Delivery,
    DeliveryState,
    PrunedAttemptCount,
    StoryState,
    Translation,
    TranslationStatus,
)
from tests.dashboard.test_monitoring import samples
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source

ATTEMPTS = "syndikat_partner_delivery_attempts_total"


def test_counters_name_the_source_the_engine_and_the_partner(client, db):
    wire, other = add_source(db, "wire"), add_source(db, "quiet")
    fast, failing = add_partner(db, "fast"), add_partner(db, "failing")
    for number in range(3):
        add_delivery(db, add_story(db, wire, f"S{number}"), fast)
    add_delivery(db, add_story(db, wire, "Bad"), failing, DeliveryState.DEAD, error="x", attempts=4)

    found = samples(client)

    assert found[("syndikat_stories_received_total", (("source", "wire"),))] == 4
    assert found[("syndikat_stories_received_total", (("source", other.name),))] == 0
    assert found[("syndikat_translations_total", (("engine", "fixture"),))] == 4
    assert found[(ATTEMPTS, (("outcome", "delivered"), ("partner", "fast")))] == 3
    assert found[(ATTEMPTS, (("outcome", "failed"), ("partner", "fast")))] == 0
    assert found[(ATTEMPTS, (("outcome", "failed"), ("partner", "failing")))] == 4
    build = [key for key in found if key[0] == "syndikat_build_info"]
    assert len(build) == 1 and dict(build[0][1])["version"]


def test_attempt_counters_do_not_go_down_when_retention_prunes_attempts(client, db, clock):
    partner = add_partner(db, "24hw")
    story = add_story(db, add_source(db), "Old")
    add_delivery(db, story, partner, attempts=3, error="500")  # two failed, then delivered
    before = samples(client)

    clock.advance(days=91)
    removed = retention.prune_batch(db, clock.now)
    db.commit()

    assert removed["delivery attempts"] == 3
    after = samples(client)
    for outcome, count in (("delivered", 1), ("failed", 2)):
        key = (ATTEMPTS, (("outcome", outcome), ("partner", "24hw")))
        assert before[key] == after[key] == count
    pruned = {(row.succeeded, row.attempts) for row in db.scalars(select(PrunedAttemptCount))}
    assert pruned == {(True, 1), (False, 2)}
    # A second run removes nothing more and counts nothing twice.
    assert retention.prune_batch(db, clock.now)["delivery attempts"] == 0
    db.commit()
    assert {k: v for k, v in samples(client).items() if k[0] == ATTEMPTS} == {
        k: v for k, v in after.items() if k[0] == ATTEMPTS
    }


def test_ages_of_the_oldest_pending_delivery_and_held_story_and_a_late_embargo(client, db, clock):
    wire = add_source(db, "wire")
    slow, idle = add_partner(db, "slow"), add_partner(db, "idle")
    story = add_story(db, wire, "Waiting")
    add_delivery(db, story, slow, DeliveryState.PENDING, after=0, error="timeout")
    add_story(
        db,
        wire,
        "In review",
        state=StoryState.NEEDS_REVIEW,
        translation_status=TranslationStatus.NEEDS_REVIEW,
    )
    held = add_delivery(db, add_story(db, wire, "Embargoed"), idle, DeliveryState.PENDING, after=0)
    held.attempts = 0
    held.held_until = clock.now + timedelta(minutes=5)
    db.commit()
    clock.advance(minutes=10)

    found = samples(client)

    assert found[("syndikat_oldest_pending_delivery_age_seconds", (("partner", "slow"),))] == 600
    # The embargo of idle's delivery passed 5 minutes ago: it waits like any other, and late.
    assert found[("syndikat_oldest_pending_delivery_age_seconds", (("partner", "idle"),))] == 600
    held_age = "syndikat_oldest_held_story_age_seconds"
    assert found[(held_age, (("source", "wire"), ("state", "needs_review")))] == 600
    assert found[(held_age, (("source", "wire"), ("state", "embargoed")))] == 0
    assert found[("syndikat_embargo_release_delay_seconds", ())] == 300


def test_the_translation_latency_leaves_out_english_stories_passed_through(client, db):
    wire = add_source(db)
    add_story(db, wire, "Translated", translated_after=3.0)
    english = add_story(db, wire, "Already English", translated_after=0.0)
    passed = db.scalars(
        select(Translation).where(Translation.story_version_id == english.current_version_id)
    ).one()
    passed.engine = "passthrough"
    db.commit()

    found = samples(client)

    bucket = "syndikat_stage_latency_seconds_bucket"
    assert found[(bucket, (("le", "+Inf"), ("stage", "translation")))] == 1
    assert found[("syndikat_translations_total", (("engine", "passthrough"),))] == 1


def test_the_api_counts_its_requests_per_route_and_status(db_env):
    api = create_api({"TESTING": True}).test_client()
    before = _api_samples(api)
    api.get("/healthz")
    api.get("/healthz")
    api.get("/v1/partners/nobody")  # no token: refused

    found = _api_samples(api)

    count = ("route", "/healthz"), ("status", "200")
    key = ("syndikat_api_requests_total", (("method", "GET"), *count))
    assert found[key] - before.get(key, 0) == 2
    # The counters live in the process: other tests' requests are in them too; only what
    # this test added counts.
    refused = [
        labels
        for (name, labels), value in found.items()
        if name == "syndikat_api_requests_total"
        and ("route", "/v1/partners/<name>") in labels
        and value > before.get((name, labels), 0)
    ]
    assert refused and all(dict(labels)["status"] == "401" for labels in refused)
    latency = ("syndikat_api_request_duration_seconds_count", (("method", "GET"), count[0]))
    assert found[latency] - before.get(latency, 0) == 2
    assert any(name == "syndikat_build_info" for name, _ in found)


def _api_samples(api):  # type: ignore[no-untyped-def]
    answer = api.get("/metrics")
    assert answer.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def test_pending_deliveries_held_by_an_embargo_are_not_a_partner_falling_behind(client, db, clock):
    partner = add_partner(db, "patient")
    delivery = add_delivery(db, add_story(db, add_source(db), "Later"), partner, after=0)
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.held_until = clock.now + timedelta(hours=2)
    db.commit()
    clock.advance(minutes=30)

    found = samples(client)

    assert found[("syndikat_oldest_pending_delivery_age_seconds", (("partner", "patient"),))] == 0
    assert found[("syndikat_embargo_release_delay_seconds", ())] == 0
    assert db.get_one(Delivery, delivery.id).state == DeliveryState.PENDING
