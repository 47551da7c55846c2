"""Wire stories go through translation with their structure intact.

The stories are the repository's own (tests/fixtures/wire); the sample corpus beside the checkout
is an extra check where it is present (tests.support.wire).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.translate import pipeline, segments
from shared.models import Translation
from tests.support.factories import store_story
from tests.support.fixture_engine import RecordingEngine
from tests.support.wire import (
    SHARED_CORPUS,
    WIRE,
    from_shared_corpus,
    own_and_shared,
    wire_story,
)

GERMAN_STORIES = own_and_shared(
    own=[
        "01-landtag-krippe.v1.json",
        "01-landtag-krippe.v2.json",
        "02-werft-bilanz.json",
        "03-handball-finale.json",
        "04-sturmwarnung.json",
        "06-stadtfest.json",
    ],
    shared=[
        "01-rutte-nato.v1.json",
        "01-rutte-nato.v2.json",
        "02-nordhafen-zahlen.json",
        "03-pokal-halbfinale.json",
        "04-hitzewelle.json",
        "06-bahnstreik.json",
    ],
)
#: Stories whose every sentence has English in tests.support.fixture_engine.
WITH_ENGLISH = own_and_shared(
    own=["02-werft-bilanz.json", "03-handball-finale.json"],
    shared=["02-nordhafen-zahlen.json", "03-pokal-halbfinale.json"],
)
ENGLISH_STORIES = own_and_shared(own=["05-en-port-energy.json"], shared=["05-en-eu-digital.json"])


def shape(doc: dict) -> list[tuple]:
    """Each block's place, its inline elements with their attributes, in order."""
    return [(b.field, b.path, b.elements) for b in segments.blocks_of(doc)]


def english_of(db, version_id: int) -> Translation:
    query = select(Translation).where(Translation.story_version_id == version_id)
    return db.scalars(query).one()


@pytest.fixture
def recording(settings):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:RecordingEngine")
    RecordingEngine.asked.clear()
    yield RecordingEngine.asked
    RecordingEngine.asked.clear()


@pytest.mark.parametrize(("folder", "name"), GERMAN_STORIES)
def test_every_block_and_inline_element_comes_back_in_place(db, recording, folder, name):
    german = wire_story(name, folder)
    version_id = store_story(db, german)

    pipeline.translate_version(version_id)

    english = english_of(db, version_id).ninjs
    assert shape(english) == shape(german)
    assert all(block.text.startswith("[en] ") for block in segments.blocks_of(english))
    assert english["language"] == "en"


def test_the_own_stories_carry_every_element_the_structure_test_is_about():
    stories = [wire_story(path.name) for path in sorted(WIRE.glob("*.json"))]
    bodies = " ".join(doc["bodies"][0]["value"] for doc in stories if "bodies" in doc)

    for element in ("<h2>", "<h3>", "<ul>", "<ol>", "<a href=", "<strong>", "<em>", "<blockquote>"):
        assert element in bodies


@pytest.mark.parametrize(("folder", "name"), WITH_ENGLISH)
def test_stories_with_hand_written_english_pass_the_gate(db, settings, folder, name):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_story(db, wire_story(name, folder))

    assert pipeline.translate_version(version_id) == "translated"

    translation = english_of(db, version_id)
    assert translation.qa == {"passed": True, "problems": []}
    assert shape(translation.ninjs) == shape(wire_story(name, folder))


@pytest.mark.parametrize(("folder", "name"), ENGLISH_STORIES)
def test_the_english_story_passes_through(db, recording, folder, name):
    version_id = store_story(db, wire_story(name, folder))

    assert pipeline.translate_version(version_id) == "translated"
    assert english_of(db, version_id).engine == "passthrough"
    assert recording == []


def test_version_2_of_the_landtag_story_needs_two_sentences_from_the_engine(db, recording):
    pipeline.translate_version(store_story(db, wire_story("01-landtag-krippe.v1.json")))
    recording.clear()

    pipeline.translate_version(store_story(db, wire_story("01-landtag-krippe.v2.json")))

    assert recording == [
        "Der Städtetag begrüßte die Entlastung der Familien, verlangte aber einen höheren "
        "Ausgleich vom Land.",
        "<g1>Anmerkung der Redaktion: In einer früheren Fassung fehlte, von wem der Städtetag den "
        "Ausgleich verlangt.</g1>",
    ]


@from_shared_corpus
def test_version_2_of_the_corpus_nato_story_needs_two_sentences_from_the_engine(db, recording):
    pipeline.translate_version(store_story(db, wire_story("01-rutte-nato.v1.json", SHARED_CORPUS)))
    recording.clear()

    pipeline.translate_version(store_story(db, wire_story("01-rutte-nato.v2.json", SHARED_CORPUS)))

    assert recording == [
        "Rutte kann sich auf weitere prominente Unterstützer freuen, darunter mehrere "
        "osteuropäische Regierungen.",
        "<g1>Anmerkung der Redaktion: In einer früheren Fassung dieses Artikels war der Name des "
        "Regierungssprechers falsch geschrieben.</g1>",
    ]
