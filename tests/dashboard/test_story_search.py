"""The story search: the same answers through the search index, by walking, and by scanning, and
an index that follows every change of a headline."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from services.dashboard import story_search
from shared.models import Story, Translation
from tests.support.dashboard import add_story, english_doc
from tests.support.factories import add_source

HEADLINES = [
    "Hafen meldet Rekordumschlag",
    "Rathaus bleibt geschlossen",
    'Der „Hafenbetrieb“ streikt: "Wir fordern mehr"',
    "HAFENFEST abgesagt",
    "Wetter: 100% Regen_wahrscheinlichkeit",
]


@pytest.fixture
def stories(db):
    source = add_source(db)
    return [add_story(db, source, headline) for headline in HEADLINES]


def found(db, wanted: str) -> set[str]:
    condition = story_search.matching(db, wanted)
    return set(db.scalars(select(Story.headline).where(condition)))


CASES = [
    ("hafen", {HEADLINES[0], HEADLINES[2], HEADLINES[3]}),
    ("HAFEN", {HEADLINES[0], HEADLINES[2], HEADLINES[3]}),
    ("bleibt geschlossen", {HEADLINES[1]}),
    ('"Wir fordern', {HEADLINES[2]}),
    ("100%", {HEADLINES[4]}),
    ("_", {HEADLINES[4]}),
    ("n_w", {HEADLINES[4]}),
    ("%", {HEADLINES[4]}),
    ("urn:test:", set(HEADLINES)),  # the uri is searched too
    ("nirgendwo", set()),
]


@pytest.mark.parametrize(("wanted", "expected"), CASES)
def test_the_search_finds_the_text_in_any_case_through_the_index(db, stories, wanted, expected):
    assert found(db, wanted) == expected


@pytest.mark.parametrize(("wanted", "expected"), CASES)
def test_a_common_text_is_found_by_walking_with_the_same_answers(
    db, stories, monkeypatch, wanted, expected
):
    monkeypatch.setattr(story_search, "MAX_MATCHES", 0)  # every text counts as common
    assert found(db, wanted) == expected


@pytest.mark.parametrize(("wanted", "expected"), CASES)
def test_without_the_search_table_sqlite_scans_with_the_same_answers(
    db, stories, monkeypatch, wanted, expected
):
    monkeypatch.setattr(story_search, "_search_table", lambda _db: False)
    assert found(db, wanted) == expected


def test_the_index_follows_a_new_headline_and_a_deleted_story(db, stories):
    story = db.get(Story, stories[1].id)
    story.headline = "Rathaus öffnet wieder"
    # (its English, "EN: Rathaus bleibt geschlossen", would be found too: a new one as well)
    translation = db.scalars(
        select(Translation).where(Translation.story_version_id == story.current_version_id)
    ).one()
    translation.ninjs = english_doc(translation.ninjs, "Town hall opens again")
    db.commit()
    assert found(db, "geschlossen") == set()
    assert found(db, "öffnet wieder") == {"Rathaus öffnet wieder"}

    db.execute(delete(Story).where(Story.id == stories[0].id))
    db.commit()
    assert found(db, "Rekordumschlag") == set()


@pytest.mark.parametrize("max_matches", [story_search.MAX_MATCHES, 0])
def test_the_search_finds_the_english_headline(db, stories, monkeypatch, max_matches):
    monkeypatch.setattr(story_search, "MAX_MATCHES", max_matches)  # 0: the walking path
    translation = db.scalars(
        select(Translation).where(Translation.story_version_id == stories[1].current_version_id)
    ).one()
    translation.ninjs = english_doc(translation.ninjs, "Town hall stays closed")
    db.commit()

    assert translation.headline == "Town hall stays closed"
    assert found(db, "town hall") == {HEADLINES[1]}
    assert found(db, "STAYS CLOSED") == {HEADLINES[1]}
    assert found(db, "closed") == {HEADLINES[1]}
