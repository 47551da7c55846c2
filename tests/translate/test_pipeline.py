"""Translating a stored version: once, into English, never publishing what was not translated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.translate import pipeline
from services.translate.pipeline import Translated
from shared import tasks
from shared.models import Story, Translation
from tests.support.factories import fixture_story, queued, store_story


def store_version(db: Any, **changes: Any) -> int:
    return store_story(db, fixture_story(**changes))


# Ingest checks the wire's language against the text, so the text must be in that language.
ENGLISH = "The town hall stays closed on Monday while the council chamber is renovated."
FRENCH = "La mairie reste fermée lundi pendant la rénovation de la salle du conseil municipal."


def text_in(sentence: str) -> dict[str, Any]:
    body = {"role": "main", "contenttype": "text/html", "value": f"<p>{sentence}</p>"}
    return {"descriptions": [], "bodies": [body]}


def test_a_german_version_is_translated_once_and_queued_for_publishing(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_version(db)

    first = pipeline.translate_version(version_id)
    second = pipeline.translate_version(version_id)

    assert (first, second) == (Translated.TRANSLATED, Translated.ALREADY_TRANSLATED)
    translation = db.scalars(select(Translation)).one()
    assert translation.engine == "fixture"
    assert translation.ninjs["language"] == "en"
    assert translation.ninjs["headlines"][0]["value"] == "The town hall stays closed on Monday"
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version_id}]
    assert db.scalars(select(Story.state)).one() == "ready"


def test_an_english_version_passes_through_untranslated(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_version(
        db, language="en", headlines=[{"value": "Already English"}], **text_in(ENGLISH)
    )

    assert pipeline.translate_version(version_id) == Translated.TRANSLATED

    translation = db.scalars(select(Translation)).one()
    assert translation.engine == "passthrough"
    assert translation.ninjs["headlines"] == [{"value": "Already English"}]


def test_a_failing_engine_leaves_the_story_visibly_waiting_and_publishes_nothing(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_version(db, headlines=[{"value": "Ein Satz ohne Übersetzung"}])

    assert pipeline.translate_version(version_id) == Translated.AWAITING_ENGINE

    story = db.scalars(select(Story)).one()
    assert story.state == "awaiting_engine"
    assert "no fixture English" in story.state_detail
    assert db.scalars(select(Translation)).all() == []
    assert queued(db, tasks.FAN_OUT) == []
    assert story.engine_retry_at is not None  # the scheduler tries it again then


def test_an_unknown_engine_setting_is_a_visible_wait_not_a_crash(db, settings):
    settings(SYNDIKAT_ENGINE="no.such.module:Engine")
    version_id = store_version(db)

    assert pipeline.translate_version(version_id) == Translated.AWAITING_ENGINE
    assert "cannot load engine" in db.scalars(select(Story.state_detail)).one()


def test_a_language_other_than_german_or_english_is_held(db, settings):
    settings(SYNDIKAT_ENGINE="instant")
    version_id = store_version(db, language="fr", **text_in(FRENCH))
    assert db.scalars(select(Story.state)).one() == "held"  # by intake already
    # The translate worker holds it too, should such a version ever reach it (nothing else
    # moves a story out of `held`, so put it back to `received` as if intake had queued it).
    db.execute(update(Story).values(state="received"))
    db.commit()

    assert pipeline.translate_version(version_id) == Translated.HELD
    assert db.scalars(select(Story.state)).one() == "held"
    assert queued(db, tasks.FAN_OUT) == []


def test_a_translate_task_for_a_held_story_neither_translates_nor_moves_it(db, settings):
    settings(SYNDIKAT_ENGINE="instant")
    version_id = store_version(db, language="fr", **text_in(FRENCH))

    assert pipeline.translate_version(version_id) == Translated.NOT_NOW
    assert db.scalars(select(Story.state)).one() == "held"
    assert db.scalars(select(Translation)).all() == []


def test_a_superseded_version_is_skipped(db, settings):
    settings(SYNDIKAT_ENGINE="instant")
    first = store_version(db)
    store_version(db, version="2")

    assert pipeline.translate_version(first) == Translated.SUPERSEDED
    assert db.scalars(select(Translation)).all() == []


def test_a_killed_story_is_never_translated_whatever_queued_it(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    first = store_version(db)
    kill = store_version(db, version="2", pubstatus="canceled")

    assert pipeline.translate_version(kill) == Translated.KILLED
    assert pipeline.translate_version(first) == Translated.SUPERSEDED
    assert db.scalars(select(Story.state)).one() == "killed"
    assert db.scalars(select(Translation)).all() == []
