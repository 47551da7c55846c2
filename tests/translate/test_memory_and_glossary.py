"""Translation memory and glossary through the pipeline: what reaches the engine, what comes out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.translate import glossary, pipeline
from services.translate.cli import glossary_group
from services.translate.pipeline import Translated
from shared import db as database
from shared.models import MemoryEntry, Translation
from tests.support.api import management_client
from tests.support.factories import fixture_story, store_story
from tests.support.fixture_engine import FixtureEngine
from tests.support.tiny_model import build_tiny_model

FIXTURE_ENGINE = "tests.support.fixture_engine:FixtureEngine"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def asked():
    FixtureEngine.asked.clear()
    yield FixtureEngine.asked
    FixtureEngine.asked.clear()


def stadion_v2() -> dict:
    doc = fixture_story("de-stadion.json", version="2")
    doc["descriptions"][0]["value"] = doc["descriptions"][0]["value"].replace("Herbst", "Oktober")
    doc["bodies"][0]["value"] += "\n<p>Die Opposition kündigte Widerstand an.</p>"
    return doc


def translation_of(db, version_id: int) -> Translation:
    return db.scalars(select(Translation).where(Translation.story_version_id == version_id)).one()


def add_terms(*terms: tuple[str, str | None, str]) -> int:
    with database.session() as db:
        for source, target, kind in terms:
            _, version = glossary.add_term(db, source, target, kind)
    return version


def test_version_2_sends_only_its_changed_and_new_sentences_to_the_engine(db, settings, asked):
    settings(SYNDIKAT_ENGINE=FIXTURE_ENGINE)
    first = store_story(db, fixture_story("de-stadion.json"))
    assert pipeline.translate_version(first) == Translated.TRANSLATED
    sentences_in_v1 = len(asked)
    asked.clear()

    second = store_story(db, stadion_v2())
    assert pipeline.translate_version(second) == Translated.TRANSLATED

    assert sentences_in_v1 == 10
    assert asked == ["Baubeginn ist im Oktober.", "Die Opposition kündigte Widerstand an."]
    english = translation_of(db, second)
    assert english.ninjs["descriptions"][0]["value"] == (
        "Construction is to cost 1.15 billion euros. Work starts in October."
    )
    assert english.ninjs["bodies"][0]["value"].endswith(
        "\n<p>The opposition announced resistance.</p>"
    )
    origins = [unit["origin"] for unit in english.segments]
    assert origins.count("engine") == 2 and origins.count("memory") == 9


def test_a_glossary_change_changes_the_next_translation(db, settings, asked):
    settings(SYNDIKAT_ENGINE=FIXTURE_ENGINE)
    before = store_story(db, fixture_story("de-stadion.json"))
    pipeline.translate_version(before)
    add_terms(("Oberbürgermeisterin", "Mayor", "term"), ("Katrin Albers", None, "keep"))

    after = store_story(db, stadion_v2())
    pipeline.translate_version(after)

    assert "Lord Mayor Katrin Albers" in translation_of(db, before).ninjs["bodies"][0]["value"]
    assert (
        "<p>On Tuesday the city council voted 31:12 for the new stadium. Mayor Katrin Albers "
        in (translation_of(db, after).ninjs["bodies"][0]["value"])
    )
    # A new glossary version is a new memory key: every sentence went to the engine again.
    assert "<x1/> <x2/> sprach von einem „historischen Tag“." in asked
    assert translation_of(db, after).glossary_version == 2


def test_the_local_model_carries_glossary_placeholders(db, settings, tiny_model):
    settings(SYNDIKAT_ENGINE="local", SYNDIKAT_MODEL_DIR=str(tiny_model))
    doc = {
        "uri": "urn:syndikat:test:welt",
        "version": "1",
        "language": "de",
        "headlines": [{"role": "main", "value": "Hallo Welt"}],
    }
    first = store_story(db, doc)
    pipeline.translate_version(first)
    add_terms(("Welt", "Earth", "term"))

    second = store_story(db, doc | {"version": "2"})
    pipeline.translate_version(second)

    assert translation_of(db, first).ninjs["headlines"][0]["value"] == "Hello world"
    assert translation_of(db, second).ninjs["headlines"][0]["value"] == "Hello Earth"


def test_memory_entries_are_kept_per_engine_and_glossary_version(db, settings):
    settings(SYNDIKAT_ENGINE=FIXTURE_ENGINE)
    pipeline.translate_version(store_story(db, fixture_story()))

    entries = db.scalars(select(MemoryEntry)).all()

    assert {(e.engine, e.glossary_version) for e in entries} == {("fixture", 0)}
    assert {e.source: e.target for e in entries}["Die Stadt renoviert den Ratssaal."] == (
        "The city is renovating the council chamber."
    )


def test_glossary_cli_adds_lists_and_removes_terms_and_counts_versions(db_env):
    runner = CliRunner()

    added = runner.invoke(glossary_group, ["add", "Bundeskanzler", "Chancellor"])
    kept = runner.invoke(glossary_group, ["add", "Olaf Scholz", "--keep"])
    same = runner.invoke(glossary_group, ["add", "Bundeskanzler", "Chancellor"])
    listed = runner.invoke(glossary_group, ["list"])
    removed = runner.invoke(glossary_group, ["remove", "Bundeskanzler"])
    missing = runner.invoke(glossary_group, ["remove", "Bundeskanzler"])
    no_target = runner.invoke(glossary_group, ["add", "Bundestag"])

    assert added.output == "Bundeskanzler → Chancellor (term); glossary version 1\n"
    assert kept.output == "Olaf Scholz → Olaf Scholz (keep); glossary version 2\n"
    assert same.output.endswith("glossary version 2\n")  # nothing changed, same version
    assert listed.output == (
        "glossary version 2, 2 terms\n"
        "Bundeskanzler\tChancellor\tterm\n"
        "Olaf Scholz\tOlaf Scholz\tkeep\n"
    )
    assert removed.output == "removed Bundeskanzler; glossary version 3\n"
    assert missing.exit_code == 1 and "has no term 'Bundeskanzler'" in missing.output
    assert no_target.exit_code == 2 and "--keep" in no_target.output


def test_glossary_api_edits_terms_and_refuses_bad_ones(db_env):
    client = management_client()

    created = client.post("/v1/glossary/terms", json={"source": "Bundestag", "target": "Bundestag"})
    kept = client.post("/v1/glossary/terms", json={"source": "CDU", "kind": "keep"})
    bad = [
        client.post("/v1/glossary/terms", json={"source": "", "target": "x"}),
        client.post("/v1/glossary/terms", json={"source": "a\tb", "target": "x"}),
        client.post("/v1/glossary/terms", json={"source": "Amt", "target": "office", "kind": "x"}),
        client.post("/v1/glossary/terms", data="nope", content_type="application/json"),
    ]
    listed = client.get("/v1/glossary").get_json()
    removed = client.delete("/v1/glossary/terms/CDU")
    gone = client.delete("/v1/glossary/terms/CDU")

    assert created.status_code == 201 and created.get_json()["version"] == 1
    assert kept.get_json() == {
        "term": {"source": "CDU", "target": "CDU", "kind": "keep"},
        "version": 2,
    }
    assert [r.status_code for r in bad] == [422, 422, 422, 400]
    assert all(r.get_json()["error"]["message"] for r in bad)
    assert listed == {
        "version": 2,
        "terms": [
            {"source": "Bundestag", "target": "Bundestag", "kind": "term"},
            {"source": "CDU", "target": "CDU", "kind": "keep"},
        ],
    }
    assert removed.get_json() == {"version": 3}
    assert gone.status_code == 404


def test_protecting_terms_matches_whole_words_with_german_endings_outside_markers():
    snapshot = glossary.GlossarySnapshot(
        1,
        (
            glossary.Term("Bundeskanzler", "Chancellor"),
            glossary.Term("Stoltenberg", "Stoltenberg", "keep"),
            glossary.Term("Nato", "NATO", "keep"),
        ),
    )
    unit = "Des Bundeskanzlers <g1>Wort</g1>: Stoltenbergs Natoweg, Nato-Gipfel."

    text, placeholders = snapshot.protect(unit)

    assert text == "Des <x2/> <g1>Wort</g1>: <x3/> Natoweg, <x4/>-Gipfel."
    assert placeholders == {2: "Chancellor", 3: "Stoltenberg's", 4: "NATO"}
    assert snapshot.restore(text, placeholders) == (
        "Des Chancellor <g1>Wort</g1>: Stoltenberg's Natoweg, NATO-Gipfel."
    )
    assert copy.copy(snapshot).terms_in("Der Bundeskanzler und Nato") == [
        snapshot.terms[0],
        snapshot.terms[2],
    ]
