"""Picture captions, alt texts and headlines are translated with the story; credits keep names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.translate import credits, pipeline, qa, segments
from services.translate.glossary import GlossarySnapshot
from shared.models import Translation
from tests.support.factories import fixture_story
from tests.support.fixture_engine import FixtureEngine
from tests.support.pictures import (
    ALT,
    CAPTION,
    HEADLINE,
    picture_association,
    store_picture_story,
)


def picture_story(**changes) -> dict:
    association = picture_association(store=False, **changes)
    return fixture_story(associations={"photo": association, "related": {"type": "text"}})


def english_of(german: dict) -> dict:
    units = [unit.text for unit in segments.segment(german).units]
    return segments.rebuild(german, FixtureEngine().translate(units, "de", "en"), "en")


def test_a_pictures_headline_caption_and_alt_text_are_blocks_after_the_body():
    blocks = segments.blocks_of(picture_story())

    assert [(b.field, b.text) for b in blocks[-3:]] == [
        ("associations.photo.headline", HEADLINE),
        ("associations.photo.body_text", CAPTION),
        ("associations.photo.x-syndikat-alt", ALT),
    ]


def test_the_english_story_has_english_captions_and_the_credit_with_its_names_as_sent():
    english = english_of(picture_story())

    photo = english["associations"]["photo"]
    assert photo["headline"] == "Bremen town hall"
    assert photo["body_text"] == "Bremen's town hall on Sunday morning."
    assert photo["x-syndikat-alt"] == "The town hall with scaffolding"
    assert photo["x-syndikat-credit"] == "Photo: Sina Schuldt/dpa"
    assert photo["by"] == "Sina Schuldt"
    assert photo["renditions"] == picture_story()["associations"]["photo"]["renditions"]
    assert english["associations"]["related"] == {"type": "text"}


@pytest.mark.parametrize(
    ("german", "english"),
    [
        ("Foto: dpa", "Photo: dpa"),
        ("Foto: Kay Nietfeld/dpa", "Photo: Kay Nietfeld/dpa"),
        (
            "Bild: picture alliance/Bildagentur-online",
            "Picture: picture alliance/Bildagentur-online",
        ),
        ("Grafik: dpa-infografik", "Graphic: dpa-infografik"),
        ("FOTO: AFP", "PHOTO: AFP"),
        ("Fotos: Bild/Fotograf Bildt", "Photos: Bild/Fotograf Bildt"),
        ("Foto:dpa; Grafik: S. Stein", "Photo:dpa; Graphic: S. Stein"),
        ("Archivfoto: Foto Müller", "Archive photo: Foto Müller"),
        ("dpa", "dpa"),
        ("Bildt & Fotograf", "Bildt & Fotograf"),
        ("", ""),
    ],
)
def test_only_the_label_word_of_a_credit_is_rendered(german, english):
    assert credits.english_credit(german) == english


def test_a_german_caption_left_in_the_english_story_is_a_qa_finding():
    german = picture_story()
    english = english_of(german)
    left_german = english_of(german)
    left_german["associations"]["photo"]["body_text"] = "Das Rathaus wird in diesem Jahr renoviert."

    assert qa.check(german, english, GlossarySnapshot(1, ())) == []
    problems = qa.check(german, left_german, GlossarySnapshot(1, ()))
    assert [(p.check, p.where) for p in problems] == [("language", "associations.photo.body_text")]


def test_the_pipeline_translates_a_stories_picture_caption(db, settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_picture_story(db, picture_story())

    pipeline.translate_version(version_id)

    english = db.scalars(select(Translation)).one().ninjs
    assert english["associations"]["photo"]["body_text"] == "Bremen's town hall on Sunday morning."
    assert english["associations"]["photo"]["x-syndikat-credit"] == "Photo: Sina Schuldt/dpa"


def test_pictures_in_the_ninjs_2_2_list_form_are_translated_too():
    association = picture_association(store=False) | {"name": "photo"}
    german = fixture_story(associations=[{"name": "text", "type": "text"}, association])

    english = english_of(german)

    assert english["associations"][1]["body_text"] == "Bremen's town hall on Sunday morning."
    assert english["associations"][0] == {"name": "text", "type": "text"}
