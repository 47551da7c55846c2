"""Engine usage per day, monthly budgets that switch engines, and routes by source and urgency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.translate import pipeline, usage
from services.translate.engines import Usage
from shared import db as database
from shared import engine_routes
from shared.models import EngineUsage, Source, StoryEvent, Translation
from tests.support.chat_completions import ChatCompletionsServer
from tests.support.factories import add_source, fixture_story, store_story

FIXTURE_ENGINE = "tests.support.fixture_engine:FixtureEngine"


@pytest.fixture
def chat():
    with ChatCompletionsServer() as server:
        yield server


def use_openai_first(settings, chat: ChatCompletionsServer, **more: str) -> None:
    defaults = {"SYNDIKAT_ENGINE": "openai", "SYNDIKAT_FALLBACK_ENGINES": FIXTURE_ENGINE}
    settings(
        **(defaults | more),
        SYNDIKAT_OPENAI_BASE_URL=chat.url,
        SYNDIKAT_OPENAI_API_KEY=chat.api_key,
        SYNDIKAT_OPENAI_MODEL="test-model",
    )


def engine_of(db, version_id: int) -> str:
    db.expire_all()
    query = select(Translation.engine).where(Translation.story_version_id == version_id)
    return db.scalars(query).one()


def events_of(db, stage: str) -> list[str]:
    db.expire_all()
    query = select(StoryEvent.detail).where(StoryEvent.stage == stage).order_by(StoryEvent.id)
    return list(db.scalars(query))


def test_usage_is_counted_per_engine_per_day_with_the_llms_tokens(db, settings, chat, clock):
    clock.set_to(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    use_openai_first(settings, chat)
    stadion = fixture_story("de-stadion.json")
    assert pipeline.translate_version(store_story(db, stadion)) == "translated"
    clock.advance(hours=2)  # the next (UTC) day, and month
    rathaus = fixture_story("de-rathaus.json")
    assert pipeline.translate_version(store_story(db, rathaus)) == "translated"

    db.expire_all()
    rows = db.scalars(select(EngineUsage).order_by(EngineUsage.day)).all()
    assert [(row.engine, str(row.day), row.requests) for row in rows] == [
        ("openai", "2026-11-30", 1),
        ("openai", "2026-12-01", 1),
    ]
    sent = [sum(map(len, segments.values())) for segments in chat.segments_asked()]
    assert [row.characters for row in rows] == sent
    assert all(row.prompt_tokens > 0 and row.completion_tokens > 0 for row in rows)
    assert usage.month_characters(db, "openai") == sent[1]


def test_a_spent_monthly_budget_sends_the_next_story_down_the_chain_until_the_month_ends(
    db, settings, chat, clock
):
    clock.set_to(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    use_openai_first(settings, chat, SYNDIKAT_ENGINE_BUDGETS="openai=300")
    first = store_story(db, fixture_story("de-stadion.json"))  # more than 300 characters
    assert pipeline.translate_version(first) == "translated"
    assert engine_of(db, first) == "openai:test-model"  # the budget was not spent before it

    second = store_story(db, fixture_story("de-rathaus.json"))
    assert pipeline.translate_version(second) == "translated"

    assert engine_of(db, second) == "fixture"
    assert len(chat.requests) == 1
    assert events_of(db, "engine_fallback") == [
        "openai: monthly budget of 300 characters spent; using fixture"
    ]

    clock.set_to(datetime(2027, 1, 1, 0, 5, tzinfo=UTC))  # a new month, a new budget
    third = store_story(db, fixture_story("de-rathaus.json", version="2"))
    assert pipeline.translate_version(third) == "translated"
    assert engine_of(db, third) == "openai:test-model"


def test_a_story_waits_when_every_engine_is_past_its_budget(db, settings, chat, clock):
    clock.set_to(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    use_openai_first(settings, chat, SYNDIKAT_ENGINE_BUDGETS=f"openai=10,{FIXTURE_ENGINE}=0")
    version_id = store_story(db, fixture_story("de-rathaus.json"))

    assert pipeline.translate_version(version_id) == "translated"  # openai's budget was unused
    second = store_story(db, fixture_story("de-stadion.json"))
    assert pipeline.translate_version(second) == "awaiting engine"

    assert events_of(db, "awaiting_engine") == [
        f"openai: monthly budget of 10 characters spent; {FIXTURE_ENGINE}: monthly budget of "
        "0 characters spent"
    ]


def test_an_urgent_story_takes_the_sources_urgent_engine_and_a_routine_one_the_other(
    db, settings, chat
):
    use_openai_first(settings, chat, SYNDIKAT_ENGINE="instant", SYNDIKAT_FALLBACK_ENGINES="")
    add_source(db, engine_route=f"urgency<=2:openai,*:{FIXTURE_ENGINE}")

    urgent = store_story(db, fixture_story("de-rathaus.json", urgency=1))
    routine = store_story(db, fixture_story("de-stadion.json", urgency=5))
    unrated = store_story(db, fixture_story("de-stadion.json", uri="urn:x:unrated"))
    for version_id in (urgent, routine, unrated):
        pipeline.translate_version(version_id)

    assert engine_of(db, urgent) == "openai:test-model"
    assert engine_of(db, routine) == "fixture"
    assert engine_of(db, unrated) == "fixture"
    assert "version 1, routed to openai by its source" in events_of(db, "translating")


def test_a_routed_engine_that_fails_falls_back_to_the_configured_chain(db, settings, chat):
    use_openai_first(settings, chat, SYNDIKAT_ENGINE=FIXTURE_ENGINE, SYNDIKAT_FALLBACK_ENGINES="")
    add_source(db, engine_route="urgency<=2:openai")
    chat.fail_next(503, "Overloaded")

    urgent = store_story(db, fixture_story("de-rathaus.json", urgency=2))
    assert pipeline.translate_version(urgent) == "translated"

    assert engine_of(db, urgent) == "fixture"
    [fallback] = events_of(db, "engine_fallback")
    assert "503" in fallback and fallback.endswith("using fixture")


def test_a_source_without_a_route_uses_the_configured_engine(db, settings):
    settings(SYNDIKAT_ENGINE=FIXTURE_ENGINE, SYNDIKAT_FALLBACK_ENGINES="")
    source = add_source(db)
    assert db.get(Source, source.id).engine_route is None

    version_id = store_story(db, fixture_story("de-rathaus.json", urgency=1))
    pipeline.translate_version(version_id)

    assert engine_of(db, version_id) == "fixture"


@pytest.mark.parametrize(
    ("route", "urgency", "engine"),
    [
        ("urgency<=2:deepl,*:local", 1, "deepl"),
        ("urgency<=2:deepl,*:local", 3, "local"),
        ("urgency<=2:deepl,*:local", None, "local"),
        ("urgency=1:deepl, urgency>=8:instant", 8, "instant"),
        ("urgency=1:deepl", 4, None),
        ("*:my.module:MyEngine", 4, "my.module:MyEngine"),
    ],
)
def test_routes_pick_the_first_matching_rule(route, urgency, engine):
    doc = {} if urgency is None else {"urgency": urgency}
    assert engine_routes.engine_for(route, doc) == engine


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ("deepl", "condition:engine"),
        ("urgency<2:deepl", "a condition is"),
        ("priority<=2:deepl", "a condition is"),
        ("*:de epl", "not an engine"),
        (" , ", "at least one"),
    ],
)
def test_unreadable_routes_say_why(route, reason):
    with pytest.raises(engine_routes.RouteError, match=reason):
        engine_routes.parse(route)


def test_engines_usage_shows_the_month_the_days_and_the_budgets(syndikat, db, clock, settings):
    from tests.support.mt_services import DeepLServer

    clock.set_to(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    with DeepLServer() as deepl:
        settings(
            SYNDIKAT_ENGINE="deepl",
            SYNDIKAT_FALLBACK_ENGINES="local",
            SYNDIKAT_ENGINE_BUDGETS="deepl=1000",
            DEEPL_API_KEY=deepl.api_key,
            SYNDIKAT_DEEPL_URL=deepl.url,
        )
        with database.session() as fresh:
            usage.record(fresh, "deepl", Usage(characters=250, requests=2))
            usage.record(fresh, "openai", Usage(characters=40, prompt_tokens=90, requests=1))
        clock.advance(hours=24)
        with database.session() as fresh:
            usage.record(fresh, "deepl", Usage(characters=50, requests=1))
        deepl.character_count = 123

        shown = syndikat("engines", "usage")

    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert "deepl\t300\t1000 (30% used)\t0\t0\t3" in lines
    assert "local\t0\t-\t0\t0\t0" in lines
    assert "openai\t40\t-\t90\t0\t1" in lines
    assert "2026-12-11\tdeepl\t50\t0\t0\t1" in lines
    assert "2026-12-10\topenai\t40\t90\t0\t1" in lines
    assert lines[-1] == (
        "deepl account (DeepL's count, this billing period): 123 of 500000 characters"
    )


@pytest.mark.parametrize("budgets", ["deepl=lots", "=500", "deepl"])
def test_an_unreadable_budget_setting_is_a_clear_error(budgets, monkeypatch):
    from shared.config import ConfigurationError, load_settings

    monkeypatch.setenv("SYNDIKAT_ENGINE_BUDGETS", budgets)

    with pytest.raises(ConfigurationError, match=r"SYNDIKAT_ENGINE_BUDGETS=.*wants engine=char"):
        load_settings()


def test_budgets_are_read_per_engine(monkeypatch):
    from shared.config import load_settings

    monkeypatch.setenv("SYNDIKAT_ENGINE_BUDGETS", f"deepl=500000, {FIXTURE_ENGINE}=20")

    settings = load_settings()

    assert settings.monthly_budget("deepl") == 500000
    assert settings.monthly_budget(FIXTURE_ENGINE) == 20
    assert settings.monthly_budget("openai") is None
