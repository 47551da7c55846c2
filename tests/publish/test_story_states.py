"""A story's state never goes backwards: a late result for a superseded version is stored but
moves nothing, a killed story stays killed, a task run twice moves the story once, and the
reconcile sweeps never pick a story again and again (see shared/story_states.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.publish import delivery
from services.publish import reconcile as publish_reconcile
from services.publish import tasks as publish_tasks
from services.translate import pipeline, review
from services.translate import reconcile as translate_reconcile
from services.translate.pipeline import Translated
from shared import tasks
from shared.config import get_settings
from shared.models import Delivery, Story, StoryEvent, Translation, utcnow
from tests.support.factories import add_partner, fixture_story, queued, store_story
from tests.support.publishing import fan_out, translated_version
from tests.support.slow_engine import SlowEngine, in_background

STALL = timedelta(minutes=5)
POLITICS = {"name": "Politik", "uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}


@pytest.fixture
def slow_engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SYNDIKAT_ENGINE", "tests.support.slow_engine:SlowEngine")
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    SlowEngine.reset()
    yield SlowEngine
    SlowEngine.finish()  # never leave a translation waiting after a failed test
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()


def the_story(db: Any) -> Story:
    db.expire_all()
    return db.scalars(select(Story)).one()


def stages(db: Any) -> list[str]:
    return list(db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)))


def delivered_versions(db: Any) -> list[int]:
    return list(db.scalars(select(Delivery.story_version_id).order_by(Delivery.id)))


def latest_delivery(db: Any) -> int:
    return db.scalars(select(Delivery.id).order_by(Delivery.id.desc())).first()


def requeued_by_the_sweeps(db: Any) -> int:
    """Age every story past the stall period and run both reconcile sweeps."""
    db.execute(update(Story).values(updated_at=utcnow() - 2 * STALL))
    db.commit()
    count = translate_reconcile.requeue_stalled(db, utcnow(), STALL)
    count += publish_reconcile.requeue_stalled(db, utcnow(), STALL)
    db.commit()
    return count


def test_a_kill_arriving_mid_translation_leaves_the_story_killed_and_sends_nothing(
    db, wire, partner_site, slow_engine
):
    add_partner(db, "24hw", endpoint=partner_site.url)
    first = store_story(db, fixture_story())
    translating, outcome = in_background(lambda: pipeline.translate_version(first))

    kill = store_story(db, fixture_story(version="2", pubstatus="canceled"))
    slow_engine.finish()
    translating.join()

    assert outcome == [Translated.MOVED_ON]
    story = the_story(db)
    assert (story.state, story.current_version_id) == ("killed", kill)
    assert db.scalars(select(Translation.story_version_id)).all() == [first]  # kept
    assert "state_kept" in stages(db)
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": kill}]
    publish_tasks.fan_out(kill)
    assert delivered_versions(db) == []
    assert partner_site.requests == []
    assert requeued_by_the_sweeps(db) == 0
    assert the_story(db).state == "killed"


@pytest.mark.parametrize("qa", ["passes", "fails"])
def test_a_slow_version_1_never_moves_a_story_published_at_version_2(
    db, wire, partner_site, slow_engine, qa
):
    slow_engine.reset(fails_qa=qa == "fails")
    add_partner(db, "24hw", endpoint=partner_site.url)
    first = store_story(db, fixture_story("de-stadion.json"))
    translating, outcome = in_background(lambda: pipeline.translate_version(first))

    second = store_story(db, fixture_story("de-stadion.json", version="2"))
    assert pipeline.translate_version(second) == Translated.TRANSLATED
    publish_tasks.fan_out(second)
    slow_engine.finish()
    translating.join()

    assert outcome == [Translated.MOVED_ON]
    story = the_story(db)
    assert (story.state, story.current_version_id) == ("published", second)
    late = db.scalars(select(Translation).where(Translation.story_version_id == first)).one()
    assert late.status == ("done" if qa == "passes" else "needs_review")
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": second}]
    publish_tasks.fan_out(first)  # even if something queued it
    assert delivered_versions(db) == [second]
    assert [r.json()["data"]["version"] for r in partner_site.requests] == ["2"]
    assert the_story(db).state == "published"
    assert requeued_by_the_sweeps(db) == 0


def test_a_translate_task_delivered_twice_translates_and_moves_the_story_once(
    db, wire, slow_engine
):
    version = store_story(db, fixture_story())
    copies = [in_background(lambda: pipeline.translate_version(version)) for _ in range(2)]
    slow_engine.finish()
    for thread, _ in copies:
        thread.join()

    outcomes = sorted(outcome for _, results in copies for outcome in results)
    assert outcomes == [Translated.ALREADY_TRANSLATED, Translated.TRANSLATED]
    assert the_story(db).state == "ready"
    assert len(db.scalars(select(Translation)).all()) == 1
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version}]
    assert stages(db).count("translated") == 1


def test_a_fan_out_delivered_twice_publishes_and_sends_once(db, wire, partner_site):
    add_partner(db, "24hw", endpoint=partner_site.url)
    version = translated_version(db)

    publish_tasks.fan_out(version)
    publish_tasks.fan_out(version)

    assert the_story(db).state == "published"
    assert delivered_versions(db) == [version]
    assert len(partner_site.requests) == 1
    assert stages(db).count("fanned_out") == 1
    assert "state_kept" not in stages(db)  # the second copy found it published: nothing to say


def test_a_killed_story_moves_again_only_when_its_source_sends_a_new_version(db, wire):
    translated_version(db)
    kill = store_story(db, fixture_story(version="2", pubstatus="canceled"))
    assert pipeline.translate_version(kill) == Translated.KILLED
    assert the_story(db).state == "killed"

    again = translated_version(db, version="3")

    story = the_story(db)
    assert (story.state, story.current_version_id) == ("ready", again)


def test_the_translation_sweep_requeues_a_story_left_waiting_on_a_stored_translation_once(db, wire):
    version = translated_version(db)
    # As an older Syndikat could leave it: the English stored, the story still `translating`.
    db.execute(update(Story).values(state="translating"))
    db.commit()
    assert requeued_by_the_sweeps(db) == 1

    assert pipeline.translate_version(version) == Translated.ALREADY_TRANSLATED

    assert the_story(db).state == "ready"
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version}] * 2
    fan_out(db, version)
    assert requeued_by_the_sweeps(db) == 0


def waiting_versions(db: Any) -> list[int | None]:
    """The versions the engine retry would try again (services.translate.waiting)."""
    db.expire_all()
    query = select(Story.current_version_id).where(Story.state == "awaiting_engine")
    return list(db.scalars(query))


def test_the_engine_retry_stops_for_a_story_left_awaiting_an_engine_with_its_english_stored(
    db, wire
):
    version = translated_version(db)
    db.execute(update(Story).values(state="awaiting_engine"))
    db.commit()
    assert waiting_versions(db) == [version]

    assert pipeline.translate_version(version) == Translated.ALREADY_TRANSLATED

    assert the_story(db).state == "ready"
    assert waiting_versions(db) == []  # so the engine retry (`retry_waiting`) leaves it be


def test_the_publish_sweep_leaves_a_killed_story_that_shows_ready_alone(db, wire):
    add_partner(db, "24hw")
    translated_version(db)
    store_story(db, fixture_story(version="2", pubstatus="canceled"))
    # What a late translation used to do to a killed story.
    db.execute(update(Story).values(state="ready"))
    db.commit()

    assert requeued_by_the_sweeps(db) == 0


def test_the_publish_sweep_leaves_a_kill_alone_that_a_partner_got_for_an_earlier_kill(
    db, wire, partner_site
):
    add_partner(db, "politics", endpoint=partner_site.url, filters={"subjects": ["Politik"]})
    fan_out(db, translated_version(db, subjects=[POLITICS]))
    assert delivery.attempt(latest_delivery(db)) == "delivered"
    fan_out(db, store_story(db, fixture_story(version="2", pubstatus="canceled")))
    assert delivery.attempt(latest_delivery(db)) == "delivered"
    # The story returns on another subject (not sent to the partner) and is killed again.
    fan_out(db, translated_version(db, version="3", subjects=[]))
    fan_out(db, store_story(db, fixture_story(version="4", pubstatus="canceled")))

    assert [d.event for d in db.scalars(select(Delivery))] == ["story.published", "story.killed"]
    assert requeued_by_the_sweeps(db) == 0


def test_approving_a_story_a_kill_took_over_meanwhile_is_a_conflict(db, wire, monkeypatch):
    monkeypatch.setenv("SYNDIKAT_ENGINE", "tests.support.fixture_engine:HurriedEngine")
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    assert pipeline.translate_version(store_story(db, fixture_story("de-stadion.json"))) == (
        "needs review"
    )
    reviewing = Session(db.get_bind())
    story_id = reviewing.scalars(select(Story.id)).one()
    shown = reviewing.get_one(Story, story_id)  # the reviewer's page shows version 1 ...

    store_story(db, fixture_story("de-stadion.json", version="2", pubstatus="canceled"))
    with pytest.raises(review.ReviewError, match="moved on meanwhile: it is killed"):
        review.approve(reviewing, story_id, "anna")  # ... and the kill lands before approval
    assert shown.state == "killed"
    reviewing.rollback()
    reviewing.close()

    assert the_story(db).state == "killed"
    assert db.scalars(select(Translation.status)).one() == "needs_review"
