"""The sample wire stories (../shared/corpus) go through with their structure intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from services.translate import pipeline, segments
from shared.models import Translation
from tests.support.factories import store_story
from tests.support.fixture_engine import RecordingEngine

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "wire"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")
GERMAN_STORIES = [
    "01-rutte-nato.v1.json",
    "01-rutte-nato.v2.json",
    "02-nordhafen-zahlen.json",
    "03-pokal-halbfinale.json",
    "04-hitzewelle.json",
    "06-bahnstreik.json",
]


def corpus(name: str) -> dict:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


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


@pytest.mark.parametrize("name", GERMAN_STORIES)
def test_every_block_and_inline_element_comes_back_in_place(db, recording, name):
    german = corpus(name)
    version_id = store_story(db, german)

    pipeline.translate_version(version_id)

    english = english_of(db, version_id).ninjs
    assert shape(english) == shape(german)
    assert all(block.text.startswith("[en] ") for block in segments.blocks_of(english))
    assert english["language"] == "en"


@pytest.mark.parametrize("name", ["02-nordhafen-zahlen.json", "03-pokal-halbfinale.json"])
def test_stories_with_hand_written_english_pass_the_gate(db, settings, name):
    settings(SYNDIKAT_ENGINE="tests.support.fixture_engine:FixtureEngine")
    version_id = store_story(db, corpus(name))

    assert pipeline.translate_version(version_id) == "translated"

    translation = english_of(db, version_id)
    assert translation.qa == {"passed": True, "problems": []}
    assert shape(translation.ninjs) == shape(corpus(name))


def test_the_english_story_passes_through(db, recording):
    version_id = store_story(db, corpus("05-en-eu-digital.json"))

    assert pipeline.translate_version(version_id) == "translated"
    assert english_of(db, version_id).engine == "passthrough"
    assert recording == []


def test_version_2_of_the_nato_story_needs_two_sentences_from_the_engine(db, recording):
    pipeline.translate_version(store_story(db, corpus("01-rutte-nato.v1.json")))
    recording.clear()

    pipeline.translate_version(store_story(db, corpus("01-rutte-nato.v2.json")))

    assert recording == [
        "Rutte kann sich auf weitere prominente Unterstützer freuen, darunter mehrere "
        "osteuropäische Regierungen.",
        "<g1>Anmerkung der Redaktion: In einer früheren Fassung dieses Artikels war der Name des "
        "Regierungssprechers falsch geschrieben.</g1>",
    ]
