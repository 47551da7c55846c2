"""DeepL and LibreTranslate engines against local servers speaking their protocols; fallbacks."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from services.translate import pipeline
from services.translate.engines import EngineError, EngineUnavailable, load_engine
from services.translate.engines.deepl import DeepLEngine
from services.translate.engines.libretranslate import LibreTranslateEngine
from services.translate.glossary import GlossarySnapshot, Term
from shared import tasks
from shared.models import EngineUsage, Story, Translation
from tests.support.factories import queued, store_story
from tests.support.mt_services import DeepLServer, LibreTranslateServer

GLOSSARY = GlossarySnapshot(4, (Term("Welt", "Earth"), Term("Berlin", "Berlin", "keep")))


@pytest.fixture
def deepl():
    with DeepLServer() as server:
        yield server


@pytest.fixture
def libretranslate():
    with LibreTranslateServer(api_key="lt-key") as server:
        yield server


def story(text: str) -> dict:
    return {
        "uri": "urn:syndikat:test:mt",
        "version": "1",
        "language": "de",
        "headlines": [{"role": "main", "value": "Hallo Welt"}],
        "bodies": [{"contenttype": "text/html", "value": f"<p>{text}</p>"}],
    }


def test_deepl_gets_sentences_with_markers_as_xml_and_answers_in_order(deepl):
    engine = DeepLEngine(deepl.url, deepl.api_key, "EN-GB")

    english = engine.translate(["Hallo <g1>Welt</g1>", "Guten Morgen &amp; mehr<x2/>"], "de", "en")

    assert english == ["Hello <g1>world</g1>", "Good morning &amp; mehr<x2/>"]
    [request] = deepl.requests
    assert request["path"] == "/v2/translate"
    assert request["headers"]["authorization"] == "DeepL-Auth-Key test-key:fx"
    assert request["json"] | {"text": None} == {
        "text": None,
        "source_lang": "DE",
        "target_lang": "EN-GB",
        "tag_handling": "xml",
        "split_sentences": "0",
        "show_billed_characters": True,
    }
    assert request["headers"]["content-type"] == "application/json"  # what the SDK sends
    assert "formality" not in request["json"]


def test_deepl_reports_the_characters_it_billed_and_the_accounts_usage(deepl):
    engine = DeepLEngine(deepl.url, deepl.api_key)
    engine.translate(["Hallo Welt", "Guten Morgen"], "de", "en")

    spent = engine.take_usage()
    assert (spent.characters, spent.requests) == (len("Hallo Welt") + len("Guten Morgen"), 1)
    assert engine.take_usage().characters == 0
    assert engine.account_usage() == (22, 500_000)


def test_the_deepl_stand_in_reads_form_bodies_as_older_clients_send_them(deepl):
    answer = httpx.post(
        f"{deepl.url}/v2/translate",
        data={"text": ["Hallo Welt", "Guten Morgen"], "target_lang": "EN-US"},
        headers={"Authorization": f"DeepL-Auth-Key {deepl.api_key}"},
    )

    texts = [t["text"] for t in answer.json()["translations"]]
    assert texts == ["Hello world", "Good morning"]


def test_the_sdk_does_not_retry_on_its_own_the_fallback_chain_does(deepl):
    deepl.fail_next(503, {"message": "Service unavailable"})

    with pytest.raises(EngineUnavailable, match="503"):
        DeepLEngine(deepl.url, deepl.api_key).translate(["Hallo"], "de", "en")
    assert len(deepl.requests) == 1


def test_deepl_gets_the_glossary_once_per_version_and_old_versions_are_deleted(deepl):
    engine = DeepLEngine(deepl.url, deepl.api_key)

    first = engine.translate_with_glossary(["Hallo Welt"], "de", "en", GLOSSARY)
    again = engine.translate_with_glossary(["Guten Morgen Welt"], "de", "en", GLOSSARY)
    newer = GlossarySnapshot(5, (Term("Welt", "planet"),))
    changed = engine.translate_with_glossary(["Hallo Welt"], "de", "en", newer)

    assert (first, again, changed) == (["Hello Earth"], ["Good morning Earth"], ["Hello planet"])
    assert deepl.paths("POST").count("/v2/glossaries") == 2
    [remaining] = deepl.glossaries.values()
    assert remaining["name"] == "syndikat-glossary-v5"
    assert remaining["entries"] == {"Welt": "planet"}
    translate_calls = [r["json"] for r in deepl.requests if r["path"] == "/v2/translate"]
    assert translate_calls[-1]["glossary_id"] in deepl.glossaries


def test_a_second_worker_finds_the_glossary_another_one_created(deepl):
    DeepLEngine(deepl.url, deepl.api_key).translate_with_glossary(["Welt"], "de", "en", GLOSSARY)

    other = DeepLEngine(deepl.url, deepl.api_key)
    assert other.translate_with_glossary(["Welt"], "de", "en", GLOSSARY) == ["Earth"]
    assert deepl.paths("POST").count("/v2/glossaries") == 1


def test_a_glossary_deleted_at_deepl_is_uploaded_again_on_the_next_try(deepl):
    engine = DeepLEngine(deepl.url, deepl.api_key)
    engine.translate_with_glossary(["Welt"], "de", "en", GLOSSARY)
    deepl.glossaries.clear()  # someone tidied up the DeepL account

    with pytest.raises(EngineError, match="Glossary not found"):
        engine.translate_with_glossary(["Welt"], "de", "en", GLOSSARY)
    assert engine.translate_with_glossary(["Welt"], "de", "en", GLOSSARY) == ["Earth"]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (456, EngineUnavailable),
        (429, EngineUnavailable),
        (503, EngineUnavailable),
        (400, EngineError),
    ],
)
def test_deepl_failures_say_whether_to_try_again_later(deepl, status, error):
    deepl.fail_next(status, {"message": "Quota exceeded"})

    with pytest.raises(error, match=f"{status}"):
        DeepLEngine(deepl.url, deepl.api_key).translate(["Hallo"], "de", "en")


def test_a_wrong_deepl_key_is_an_error_not_a_wait(deepl):
    with pytest.raises(EngineError, match="403"):
        DeepLEngine(deepl.url, "wrong").translate(["Hallo"], "de", "en")


def test_deepl_and_libretranslate_need_their_settings(settings):
    settings(DEEPL_API_KEY="", SYNDIKAT_LIBRETRANSLATE_URL="")

    with pytest.raises(EngineUnavailable, match="DEEPL_API_KEY"):
        load_engine("deepl")
    with pytest.raises(EngineUnavailable, match="SYNDIKAT_LIBRETRANSLATE_URL"):
        load_engine("libretranslate")


def test_libretranslate_gets_html_and_its_api_key(libretranslate):
    engine = LibreTranslateEngine(libretranslate.url, "lt-key")

    assert engine.translate(["Die <g1>Stadt</g1> ist schön"], "de", "en") == [
        "The <g1>city</g1> is beautiful"
    ]
    body = libretranslate.requests[0]["json"]
    assert body == {
        "q": ["Die <g1>Stadt</g1> ist schön"],
        "source": "de",
        "target": "en",
        "format": "html",
        "api_key": "lt-key",
    }


def test_libretranslate_unreachable_is_a_wait():
    engine = LibreTranslateEngine("http://127.0.0.1:9")

    with pytest.raises(EngineUnavailable, match="unreachable"):
        engine.translate(["Hallo"], "de", "en")


def test_the_next_engine_in_the_chain_translates_when_the_first_is_down(
    db, settings, deepl, libretranslate
):
    settings(
        SYNDIKAT_ENGINE="deepl",
        SYNDIKAT_FALLBACK_ENGINES="libretranslate",
        DEEPL_API_KEY=deepl.api_key,
        SYNDIKAT_DEEPL_URL=deepl.url,
        SYNDIKAT_LIBRETRANSLATE_URL=libretranslate.url,
        SYNDIKAT_LIBRETRANSLATE_KEY="lt-key",
    )
    deepl.fail_next(503, {"message": "Service unavailable"})
    version_id = store_story(db, story("Guten Morgen Welt, die Stadt ist schön und gut."))

    assert pipeline.translate_version(version_id) == "translated"

    translation = db.scalars(select(Translation)).one()
    assert translation.engine == "libretranslate"
    assert translation.ninjs["bodies"][0]["value"] == (
        "<p>Good morning world, die city is beautiful and gut.</p>"
    )
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version_id}]


def test_when_every_engine_fails_the_story_waits_with_every_reason(db, settings, deepl):
    settings(
        SYNDIKAT_ENGINE="deepl",
        SYNDIKAT_FALLBACK_ENGINES="libretranslate",
        DEEPL_API_KEY=deepl.api_key,
        SYNDIKAT_DEEPL_URL=deepl.url,
        SYNDIKAT_LIBRETRANSLATE_URL="http://127.0.0.1:9",
    )
    deepl.fail_next(456, {"message": "Quota exceeded"})
    version_id = store_story(db, story("Hallo Welt"))

    assert pipeline.translate_version(version_id) == "awaiting engine"

    detail = db.scalars(select(Story.state_detail)).one()
    assert "456" in detail and "Quota exceeded" in detail
    assert "libretranslate" in detail and "unreachable" in detail
    assert queued(db, tasks.FAN_OUT) == []


def test_the_characters_deepl_billed_are_recorded_as_its_usage(db, settings, deepl):
    settings(SYNDIKAT_ENGINE="deepl", DEEPL_API_KEY=deepl.api_key, SYNDIKAT_DEEPL_URL=deepl.url)
    version_id = store_story(db, story("Guten Morgen Welt, die Stadt ist schön."))

    pipeline.translate_version(version_id)

    db.expire_all()
    [used] = db.scalars(select(EngineUsage)).all()
    assert (used.engine, used.characters, used.requests) == ("deepl", deepl.character_count, 1)
