"""German bylines become English ones: no "Von", no German role words, names untouched."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.translate import bylines, pipeline, review
from shared.models import Story, Translation
from tests.support.factories import fixture_story, store_story


@pytest.mark.parametrize(
    ("german", "english"),
    [
        ("Von Christian Hollmann, dpa", "Christian Hollmann, dpa"),
        ("Von X und Y", "X and Y"),
        ("Von Anna Weiß und Tom Berg, dpa", "Anna Weiß and Tom Berg, dpa"),
        ("Von Anna Weiß, dpa-Korrespondent", "Anna Weiß, dpa correspondent"),
        ("Von Anna Weiß, dpa-Korrespondentin", "Anna Weiß, dpa correspondent"),
        (
            "Von Anna Weiß und Tom Berg, dpa-Korrespondenten",
            "Anna Weiß and Tom Berg, dpa correspondents",
        ),
        ("Von unserem Korrespondenten Peter Müller", "Our correspondent Peter Müller"),
        ("Von unserer Korrespondentin Eva Roth", "Our correspondent Eva Roth"),
        (
            "Von Jo Sand, Redakteurin, und Ali Kaya, Fotograf",
            "Jo Sand, editor, and Ali Kaya, photographer",
        ),
        ("Redakteure der Lokalredaktion", "Editors der Lokalredaktion"),
        ("Max Bauer, Chefredakteur", "Max Bauer, chief editor"),
        ("Von Lars Ehlers, Auslandskorrespondent", "Lars Ehlers, foreign correspondent"),
        ("Von Eva Roth, Nahost-Korrespondentin", "Eva Roth, Middle East correspondent"),
        ("Von Ute Jahn, AFP-Reporterin", "Ute Jahn, AFP reporter"),
        ("Von Kai Ring, freier Mitarbeiter", "Kai Ring, freelance contributor"),
        ("Von Eva Roth, mit Material von AFP", "Eva Roth, with material from AFP"),
        ("Text und Fotos: Lisa Kurz", "Text and photos: Lisa Kurz"),
        ("Von Christian Hollmann, dpa; Foto: Uli Deck", "Christian Hollmann, dpa; Photo: Uli Deck"),
        ("VON JANA PETERSEN", "JANA PETERSEN"),
        ("Von: Malte Brandt, HND", "Malte Brandt, HND"),
        ("von Jana Petersen", "Jana Petersen"),
        # Names stay as written, nobility particles and words that only contain a role included.
        ("von der Heide, Jana", "von der Heide, Jana"),
        ("Von Gero von Randow", "Gero von Randow"),
        ("Von Anna Autorino und Rita Reporterhaus", "Anna Autorino and Rita Reporterhaus"),
        ("Christian Hollmann, dpa", "Christian Hollmann, dpa"),
        ("Testredaktion", "Testredaktion"),
        ("", ""),
    ],
)
def test_a_german_byline_reads_as_english(german, english):
    assert bylines.english_byline(german) == english


def test_the_english_story_gets_english_bylines_and_the_german_one_is_left_alone():
    german = {
        "by": "Von Anna Weiß, dpa-Korrespondentin",
        "authors": [
            {"name": "Von Anna Weiß", "jobtitle": "Korrespondentin", "uri": "urn:a:1"},
            "Von Tom Berg",
            7,
        ],
        "headlines": [{"value": "Unchanged"}],
    }

    english = bylines.in_english(german)

    assert english == {
        "by": "Anna Weiß, dpa correspondent",
        "authors": [
            {"name": "Anna Weiß", "jobtitle": "Correspondent", "uri": "urn:a:1"},
            "Tom Berg",
            7,
        ],
        "headlines": [{"value": "Unchanged"}],
    }
    assert german["by"] == "Von Anna Weiß, dpa-Korrespondentin"
    assert german["authors"][0]["name"] == "Von Anna Weiß"


def test_a_byline_that_names_nobody_is_left_out():
    assert "by" not in bylines.in_english({"by": "Von ", "uri": "u"})


def english_of(db: Any) -> dict[str, Any]:
    return db.scalars(select(Translation.ninjs)).one()


def test_every_engine_renders_the_byline_in_english(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_story(db, fixture_story(by="Von Christian Hollmann und Eva Roth, dpa"))

    assert pipeline.translate_version(version_id) == "translated"

    assert english_of(db)["by"] == "Christian Hollmann and Eva Roth, dpa"


def test_an_english_story_keeps_its_byline(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    body = "<p>The town hall stays closed on Monday while the council chamber is renovated.</p>"
    story = fixture_story(
        language="en",
        by="Von Trapp Family, correspondents",
        headlines=[{"value": "Already English"}],
        descriptions=[],
        bodies=[{"role": "main", "contenttype": "text/html", "value": body}],
    )
    version_id = store_story(db, story)

    assert pipeline.translate_version(version_id) == "translated"

    assert english_of(db)["by"] == "Von Trapp Family, correspondents"


def test_a_reviewers_edit_keeps_the_byline_english(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_story(db, fixture_story(by="Von Eva Roth, dpa-Reporterin"))
    pipeline.translate_version(version_id)
    translation = db.scalars(select(Translation)).one()
    translation.status = "needs_review"
    story = db.scalars(select(Story)).one()
    story.state = "needs_review"  # as the QA gate would have left it
    db.commit()

    story_id = story.id

    review.edit_segment(db, story_id, 0, "The town hall is closed on Monday", "ed")
    db.commit()

    assert english_of(db)["by"] == "Eva Roth, dpa reporter"
