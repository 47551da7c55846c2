"""The `openai` engine against a local server speaking the Chat Completions protocol."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.translate import pipeline
from services.translate.engines import EngineError, EngineUnavailable, load_engine
from services.translate.engines.openai_chat import OpenAIEngine
from services.translate.glossary import GlossarySnapshot, Term
from shared import db as database
from shared import tasks
from shared.models import EngineUsage, Story, StoryEvent, Translation
from tests.support.chat_completions import ChatCompletionsServer
from tests.support.factories import fixture_story, queued, store_story
from tests.translate.test_memory_and_glossary import add_terms, stadion_v2

FIXTURE_ENGINE = "tests.support.fixture_engine:FixtureEngine"


@pytest.fixture
def chat():
    with ChatCompletionsServer() as server:
        yield server


def use_openai(settings, chat: ChatCompletionsServer, **more: str) -> None:
    settings(
        SYNDIKAT_ENGINE="openai",
        SYNDIKAT_OPENAI_BASE_URL=chat.url,
        SYNDIKAT_OPENAI_API_KEY=chat.api_key,
        SYNDIKAT_OPENAI_MODEL="test-model",
        **more,
    )


def translation_of(db, version_id: int) -> Translation:
    db.expire_all()
    return db.scalars(select(Translation).where(Translation.story_version_id == version_id)).one()


def timeline(db) -> list[str]:
    db.expire_all()
    return [
        f"{e.stage}: {e.detail}" for e in db.scalars(select(StoryEvent).order_by(StoryEvent.id))
    ]


def test_a_german_story_goes_in_one_request_and_comes_back_with_markers_and_glossary(
    db, settings, chat
):
    use_openai(settings, chat)
    add_terms(("Oberbürgermeisterin", "Mayoress", "term"), ("Katrin Albers", None, "keep"))
    version_id = store_story(db, fixture_story("de-stadion.json"))

    assert pipeline.translate_version(version_id) == "translated"

    [request] = chat.requests  # the whole story, once
    assert request["model"] == "test-model"
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    assert "stream" not in request or request["stream"] is False
    sent = json.loads(request["messages"][-1]["content"])
    assert len(sent["segments"]) == 10
    assert sent["glossary"] == [
        {"de": "Oberbürgermeisterin", "en": "Mayoress"},
        {"de": "Katrin Albers", "en": "Katrin Albers", "keep": "true"},
    ]
    english = translation_of(db, version_id)
    assert english.engine == "openai:test-model"
    body = english.ninjs["bodies"][0]["value"]
    assert "Mayoress Katrin Albers spoke of a" in body
    assert '<a href="https://example.org/bauplan">city\'s construction plan</a>' in body
    assert "<li><strong>Seats:</strong> 21,400</li>" in body
    assert english.qa == {} or not english.qa.get("problems")
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version_id}]


def test_a_model_that_ignores_the_glossary_is_held_by_the_qa_gate(db, settings):
    with ChatCompletionsServer(ignore_glossary=True) as chat:
        use_openai(settings, chat)
        add_terms(("Oberbürgermeisterin", "Mayoress", "term"))
        version_id = store_story(db, fixture_story("de-stadion.json"))

        assert pipeline.translate_version(version_id) == "needs review"

    problems = translation_of(db, version_id).qa["problems"]
    assert any("Mayoress" in problem["message"] for problem in problems)


def test_a_long_story_is_sent_in_groups_within_the_configured_size(chat):
    engine = OpenAIEngine(chat.url, "m", chat.api_key, max_segments=2, max_characters=1000)

    english = engine.translate(["Hallo Welt", "Guten Morgen", "Die Stadt ist schön"], "de", "en")

    assert english == ["Hello world", "Good morning", "The city is beautiful"]
    assert chat.segments_asked() == [
        {"s1": "Hallo Welt", "s2": "Guten Morgen"},
        {"s1": "Die Stadt ist schön"},
    ]
    usage = engine.take_usage()
    assert usage.requests == 2 and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert engine.take_usage().requests == 0


@pytest.mark.parametrize(
    ("script", "error", "reason"),
    [
        (lambda chat: chat.answer_next("Here is your translation: Hello"), EngineError, "not JSON"),
        (lambda chat: chat.answer_next('{"s2": "Hello"}'), EngineError, "missing"),
        (
            lambda chat: chat.answer_next('{"s1": "Hello", "s9": "more"}'),
            EngineError,
            "unexpected",
        ),
        (
            lambda chat: chat.answer_next(None, finish_reason="content_filter"),
            EngineError,
            "content filter",
        ),
        (
            lambda chat: chat.answer_next('{"s1": "Hel', finish_reason="length"),
            EngineError,
            "cut off",
        ),
        (lambda chat: chat.fail_next(500, "The server had an error"), EngineUnavailable, "500"),
        (lambda chat: chat.fail_next(503, "Overloaded"), EngineUnavailable, "503"),
        (lambda chat: chat.fail_next(400, "Bad model"), EngineError, "400"),
    ],
)
def test_bad_answers_are_engine_failures(chat, script, error, reason):
    script(chat)

    with pytest.raises(error, match=reason):
        OpenAIEngine(chat.url, "m", chat.api_key).translate(["Hallo"], "de", "en")


def test_a_wrong_key_and_streaming_are_refused_in_the_protocols_own_words(chat):
    with pytest.raises(EngineError, match="401: Incorrect API key"):
        OpenAIEngine(chat.url, "m", "wrong").translate(["Hallo"], "de", "en")

    import openai

    client = openai.OpenAI(base_url=chat.url, api_key=chat.api_key, max_retries=0)
    with pytest.raises(openai.BadRequestError, match="Streaming is not supported"):
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "{}"}], stream=True
        )


def test_a_slow_server_is_a_timeout_and_the_engine_is_unavailable(chat):
    chat.stall_next(1.5)

    with pytest.raises(EngineUnavailable, match=r"no answer within 0\.5 s"):
        OpenAIEngine(chat.url, "m", chat.api_key, timeout=0.5).translate(["Hallo"], "de", "en")


def test_a_429_rests_the_server_for_as_long_as_retry_after_asks(chat, clock):
    engine = OpenAIEngine(chat.url, "m", chat.api_key)
    chat.fail_next(429, "Rate limit reached", retry_after="30")

    with pytest.raises(EngineUnavailable, match=r"429.*Rate limit reached.*resting 30 s"):
        engine.translate(["Hallo"], "de", "en")
    clock.advance(seconds=20)
    with pytest.raises(EngineUnavailable, match="asked to wait"):
        engine.translate(["Hallo"], "de", "en")
    assert len(chat.requests) == 1  # the server was left alone

    clock.advance(seconds=11)
    assert engine.translate(["Hallo"], "de", "en") == ["Hello"]


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (lambda chat: chat.answer_next("not json at all"), "not JSON"),
        (lambda chat: chat.answer_next("{}"), "missing"),
        (lambda chat: chat.answer_next(None, finish_reason="content_filter"), "content filter"),
        (lambda chat: chat.fail_next(429, "Rate limit reached", retry_after="5"), "429"),
        (lambda chat: chat.fail_next(502, "Bad gateway"), "502"),
        (lambda chat: chat.stall_next(1.5), "no answer within"),
    ],
)
def test_each_failure_falls_back_to_the_next_engine_and_the_timeline_says_so(
    db, settings, chat, script, reason
):
    use_openai(
        settings, chat, SYNDIKAT_FALLBACK_ENGINES=FIXTURE_ENGINE, SYNDIKAT_OPENAI_TIMEOUT="0.5"
    )
    script(chat)
    version_id = store_story(db, fixture_story("de-rathaus.json"))

    assert pipeline.translate_version(version_id) == "translated"

    assert translation_of(db, version_id).engine == "fixture"
    [fallback] = [line for line in timeline(db) if line.startswith("engine_fallback")]
    assert "openai" in fallback and reason in fallback and "using fixture" in fallback


def test_configuration_alone_selects_the_openai_engine(settings, chat, monkeypatch):
    monkeypatch.delenv("SYNDIKAT_OPENAI_API_KEY", raising=False)
    settings(
        SYNDIKAT_ENGINE="openai",
        SYNDIKAT_OPENAI_BASE_URL=chat.url,
        SYNDIKAT_OPENAI_API_KEY=chat.api_key,
    )

    engine = pipeline.configured_engine()

    assert isinstance(engine, OpenAIEngine) and engine.name == "openai:gpt-4o-mini"
    assert engine.translate(["Guten Morgen"], "de", "en") == ["Good morning"]


def test_openais_own_api_needs_a_key(settings, monkeypatch):
    monkeypatch.delenv("SYNDIKAT_OPENAI_API_KEY", raising=False)
    settings(SYNDIKAT_OPENAI_API_KEY="", SYNDIKAT_OPENAI_BASE_URL="https://api.openai.com/v1")

    with pytest.raises(EngineUnavailable, match="SYNDIKAT_OPENAI_API_KEY"):
        load_engine("openai")


def test_every_engine_failing_leaves_the_story_waiting_with_the_reason(db, settings, chat):
    use_openai(settings, chat)
    chat.fail_next(500, "The server had an error")
    version_id = store_story(db, fixture_story("de-rathaus.json"))

    assert pipeline.translate_version(version_id) == "awaiting engine"

    with database.session() as fresh:
        detail = fresh.scalars(select(Story.state_detail)).one()
    assert "500" in detail and "The server had an error" in detail


def test_the_glossary_snapshot_reaches_the_prompt_only_with_terms_of_the_segments(chat):
    glossary = GlossarySnapshot(3, (Term("Welt", "Earth"), Term("Rathaus", "town hall")))

    english = OpenAIEngine(chat.url, "m", chat.api_key).translate_with_glossary(
        ["Hallo <g1>Welt</g1>"], "de", "en", glossary
    )

    assert english == ["Hello <g1>Earth</g1>"]
    sent = json.loads(chat.requests[0]["messages"][-1]["content"])
    assert sent["glossary"] == [{"de": "Welt", "en": "Earth"}]


def test_tokens_spent_on_an_answer_that_failed_are_counted_too(db, settings, chat):
    use_openai(settings, chat, SYNDIKAT_FALLBACK_ENGINES=FIXTURE_ENGINE)
    chat.answer_next("Sorry, I cannot help with that.")
    version_id = store_story(db, fixture_story("de-rathaus.json"))

    pipeline.translate_version(version_id)

    db.expire_all()
    used = {row.engine: row for row in db.scalars(select(EngineUsage))}
    assert used["openai"].prompt_tokens > 0 and used["openai"].requests == 1
    assert used["openai"].characters == 0  # nothing was translated
    assert used[FIXTURE_ENGINE].characters > 0


def test_a_new_version_sends_only_changed_sentences_with_the_whole_story_as_context(
    db, settings, chat
):
    use_openai(settings, chat)
    pipeline.translate_version(store_story(db, fixture_story("de-stadion.json")))

    second = store_story(db, stadion_v2())
    assert pipeline.translate_version(second) == "translated"

    first_request, second_request = (
        json.loads(r["messages"][-1]["content"]) for r in chat.requests
    )
    assert "story" not in first_request  # every sentence was sent: the story is there already
    assert list(second_request["segments"].values()) == [
        "Baubeginn ist im Oktober.",
        "Die Opposition kündigte Widerstand an.",
    ]
    assert len(second_request["story"]) == 11
    assert "Baubeginn ist im Oktober." in second_request["story"]
    body = translation_of(db, second).ninjs["bodies"][0]["value"]
    assert body.endswith("<p>The opposition announced resistance.</p>")
