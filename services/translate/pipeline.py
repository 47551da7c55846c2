"""Rendering one stored story version into English.

Short transactions with the engine in between: a translation can take seconds, and holding a
database transaction (on SQLite, the write lock) that long would stall every other service.
The engines are tried in order (SYNDIKAT_ENGINE, then SYNDIKAT_FALLBACK_ENGINES); units the
translation memory knows never reach an engine; the QA gate decides whether the English may go
out or waits for a reviewer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.translate import batching, bylines, house_style, memory, qa, segments, usage, waiting
from services.translate import glossary as glossaries
from services.translate.engines import (
    Engine,
    EngineError,
    EngineUnavailable,
    GlossaryEngine,
    MeteredEngine,
    StoryEngine,
    Usage,
    engine_chain,
    load_engine,
)
from services.translate.glossary import GlossarySnapshot
from shared import db as database
from shared import engine_routes, events, outbox, story_states, tasks
from shared.config import get_settings
from shared.events import Stage
from shared.languages import Language
from shared.models import (
    Source,
    Story,
    StoryState,
    StoryVersion,
    Translation,
    TranslationStatus,
    VersionKind,
    utcnow,
)

log = logging.getLogger(__name__)
SOURCE_LANGUAGE = Language.GERMAN
TARGET_LANGUAGE = Language.ENGLISH
PASSTHROUGH = "passthrough"


class Translated(StrEnum):
    """What a translation task came to (its result)."""

    TRANSLATED = "translated"
    NEEDS_REVIEW = "needs review"
    HELD = "held"  # not German: nothing to translate it from
    AWAITING_ENGINE = "awaiting engine"
    ALREADY_TRANSLATED = "already translated"
    MISSING = "missing"
    SUPERSEDED = "superseded"
    KILLED = "not translated: the story was killed"
    #: The story's state does not allow translating it (held, say); the timeline says why.
    NOT_NOW = "not translated: the story's state does not allow it"
    #: The version is no longer the story's to move (see story_states).
    MOVED_ON = "done; the story moved on meanwhile, so its state stays"


@dataclass(frozen=True)
class Work:
    """What the engine needs, read in the first transaction."""

    version_id: int
    #: The wire's version label, for the timeline.
    version: str
    story_id: Any
    language: str | None
    doc: dict[str, Any]
    glossary: GlossarySnapshot
    #: The engine the source's route picks for this story (tried first); None: no route.
    routed_engine: str | None = None


@dataclass
class Rendering:
    """An English story and how it was made."""

    engine: str
    ninjs: dict[str, Any]
    #: One per unit: {"source", "english", "origin"} (origin: engine, memory or reviewer).
    units: list[dict[str, str]]
    problems: list[qa.Problem]
    glossary_version: int
    #: What the engine spent on it (characters sent; tokens and requests if it counts them).
    usage: Usage = field(default_factory=Usage)

    @property
    def from_engine(self) -> list[dict[str, str]]:
        return [unit for unit in self.units if unit["origin"] == memory.ENGINE]


@cache
def configured_engine(setting: str | None = None) -> Engine:
    """The engine a setting names (default: SYNDIKAT_ENGINE), built once per worker process;
    concurrent stories share its calls where that pays (see `batching`)."""
    return batching.across_stories(load_engine(setting or get_settings().engine))


def translate_version(story_version_id: int) -> Translated:
    """Translate a version unless that already happened; returns what was done."""
    work = _claim(story_version_id)
    if not isinstance(work, Work):
        return work
    if work.language == TARGET_LANGUAGE:
        return _store_passthrough(work)
    if work.language != SOURCE_LANGUAGE:
        return _hold(work, f"no translation from language {work.language!r}")
    failures: list[str] = []
    for setting in _chain(work):
        attempt = _attempt(setting, work)
        if isinstance(attempt, Rendering):
            return _store(work, attempt, failures)
        failures.append(attempt)
    return _wait_for_engine(work, "; ".join(failures))


def _attempt(setting: str, work: Work) -> Rendering | str:
    """The engine's English, or why it gave none; what it spent is recorded either way."""
    spent_budget = _budget_spent(setting)
    if spent_budget is not None:
        return str(spent_budget)
    engine: Engine | None = None
    try:
        engine = configured_engine(setting)
        rendering = render(engine, work.doc, work.glossary)
    except EngineUnavailable as exc:
        # A model may be installed, a key set, before the next try: build engines afresh.
        configured_engine.cache_clear()
        failure = str(exc)
    except Exception as exc:  # any engine, ours or a newsroom's plug-in, may fail its own way
        log.exception("engine %s failed", setting, extra={"story_id": str(work.story_id)})
        failure = f"engine {setting} failed: {exc}"
    else:
        _record_usage(setting, rendering.usage)
        return rendering
    _record_usage(setting, _billed(engine))
    return failure


def _chain(work: Work) -> list[str]:
    """The source's routed engine (if its route picks one), then the configured chain."""
    routed = [work.routed_engine] if work.routed_engine else []
    return list(dict.fromkeys([*routed, *engine_chain(get_settings())]))


def _budget_spent(setting: str) -> usage.BudgetSpent | None:
    settings = get_settings()
    if settings.monthly_budget(setting) is None:
        return None
    with database.read_session() as db:
        return usage.spent_budget(db, settings, setting)


def _billed(engine: Engine | None) -> Usage:
    """What a metered engine says it spent since last asked (even on a failure: tokens for a
    refusal or a malformed answer are billed too)."""
    return engine.take_usage() if isinstance(engine, MeteredEngine) else Usage()


def _record_usage(setting: str, spent: Usage) -> None:
    if spent == Usage():
        return
    with database.session() as db:
        usage.record(db, setting, spent)


def render(
    engine: Engine, doc: dict[str, Any], glossary: GlossarySnapshot, *, recall: bool = True
) -> Rendering:
    """The English of `doc`: memory first, the engine for the rest, house style, QA.

    `recall=False` leaves the memory out (and the database with it): every sentence goes to the
    engine, as when engines are compared (`services.translate.compare`)."""
    segmented = segments.segment(doc)
    units = [unit.text for unit in segmented.units]
    recalled = {}
    if recall:
        with database.read_session() as db:
            recalled = memory.recall(db, units, engine.name, glossary.version)
    todo = list(dict.fromkeys(u for u in units if u not in recalled))  # each sentence once
    fresh = dict(zip(todo, _engine_english(engine, todo, glossary, units), strict=True))
    # A metered engine counts its own requests (a story may take several) and may know what
    # its service billed; otherwise the German sent is what counts.
    spent = _billed(engine)
    if todo and not isinstance(engine, MeteredEngine):
        spent.requests = 1
    spent.characters = spent.characters or sum(len(unit) for unit in todo)
    english = [recalled[u].english if u in recalled else fresh[u] for u in units]
    ninjs = bylines.in_english(
        segments.rebuild(
            doc, english, TARGET_LANGUAGE, polish=house_style.english_quotes, segmented=segmented
        )
    )
    origins = [recalled[u].origin if u in recalled else memory.ENGINE for u in units]
    return Rendering(
        engine=engine.name,
        ninjs=ninjs,
        units=[
            {"source": s, "english": e, "origin": o}
            for s, e, o in zip(units, english, origins, strict=True)
        ],
        problems=qa.check(doc, ninjs, glossary),
        glossary_version=glossary.version,
        usage=spent,
    )


def _engine_english(
    engine: Engine, units: list[str], glossary: GlossarySnapshot, story: list[str]
) -> list[str]:
    if not units:
        return []
    if isinstance(engine, StoryEngine):
        english = engine.translate_story(units, story, SOURCE_LANGUAGE, TARGET_LANGUAGE, glossary)
    elif isinstance(engine, GlossaryEngine):
        english = engine.translate_with_glossary(units, SOURCE_LANGUAGE, TARGET_LANGUAGE, glossary)
    else:
        protected = [glossary.protect(unit) for unit in units]
        raw = engine.translate([text for text, _ in protected], SOURCE_LANGUAGE, TARGET_LANGUAGE)
        if len(raw) == len(units):
            english = [
                glossary.restore(text, p) for text, (_, p) in zip(raw, protected, strict=True)
            ]
        else:
            english = raw
    if len(english) != len(units):
        raise EngineError(f"{engine.name} returned {len(english)} segments for {len(units)}")
    return english


def _claim(story_version_id: int) -> Work | Translated:
    with database.session() as db:
        version = db.get(StoryVersion, story_version_id)
        if version is None:
            return Translated.MISSING
        story = version.story
        stored = db.scalar(select(Translation).where(Translation.story_version_id == version.id))
        if stored is not None:
            _settle(db, story, version, stored)
            return Translated.ALREADY_TRANSLATED
        if story.current_version_id != version.id:
            events.record(db, story.id, Stage.SKIPPED, f"version {version.version} was superseded")
            return Translated.SUPERSEDED
        if version.kind == VersionKind.KILL or story.state == StoryState.KILLED:
            return Translated.KILLED  # whatever queued it by mistake
        retrying = story.state == StoryState.AWAITING_ENGINE
        if not story_states.move(
            db, story.id, version.id, StoryState.TRANSLATING, result="translation task"
        ):
            return Translated.NOT_NOW
        routed = _routed_engine(db, version)
        routing = f", routed to {routed} by its source" if routed else ""
        if not retrying:  # a waiting story's tries are not written down one by one
            events.record(db, story.id, Stage.TRANSLATING, f"version {version.version}{routing}")
        glossary = glossaries.snapshot(db)
        return Work(
            version.id,
            version.version,
            story.id,
            version.language,
            version.ninjs,
            glossary,
            routed,
        )


def _routed_engine(db: Session, version: StoryVersion) -> str | None:
    source = db.get(Source, version.source_id or version.story.source_id)
    route = source.engine_route if source is not None else None
    try:
        return engine_routes.engine_for(route, version.ninjs)
    except engine_routes.RouteError as exc:  # saved before the rules were checked, say
        log.warning("source %s: engine route ignored: %s", source and source.name, exc)
        return None


#: States that queue a translation again (the stalled sweep, the engine retry).
WAITING_FOR_ENGLISH = (StoryState.RECEIVED, StoryState.TRANSLATING, StoryState.AWAITING_ENGINE)


def _settle(db: Session, story: Story, version: StoryVersion, stored: Translation) -> None:
    """A story still waiting for a translation that exists moves on from it, so neither the
    stalled sweep nor the engine retry queues it again forever (a state an older Syndikat
    could leave when a late result moved it)."""
    waiting = story.state in WAITING_FOR_ENGLISH
    if not waiting or story.current_version_id != version.id:
        return
    story_states.move(db, story.id, version.id, StoryState.TRANSLATING)
    problems = [problem["message"] for problem in (stored.qa or {}).get("problems") or []]
    _move_on(db, story.id, version.id, version.version, stored.publishable, problems)


def _move_on(
    db: Session, story_id: Any, version_id: int, label: str, passed: bool, problems: list[str]
) -> bool:
    """Ready (fan-out queued) or waiting for review, if the version is still the story's own."""
    result = f"translation of version {label} stored"
    if passed:
        moved = story_states.move(db, story_id, version_id, StoryState.READY, result=result)
        if moved:
            outbox.enqueue(db, tasks.FAN_OUT, story_version_id=version_id)
        return moved
    reasons = f"QA: {'; '.join(problems[:5])}"
    moved = story_states.move(
        db, story_id, version_id, StoryState.NEEDS_REVIEW, reasons, result=result
    )
    if moved:
        events.record(db, story_id, Stage.NEEDS_REVIEW, reasons)
    return moved


def _store(work: Work, rendering: Rendering, failures: list[str]) -> Translated:
    passed = not rendering.problems
    try:
        with database.session() as db:
            db.add(
                Translation(
                    story_version_id=work.version_id,
                    engine=rendering.engine,
                    status=TranslationStatus.DONE if passed else TranslationStatus.NEEDS_REVIEW,
                    ninjs=rendering.ninjs,
                    qa=qa.report(rendering.problems),
                    segments=rendering.units,
                    glossary_version=rendering.glossary_version,
                )
            )
            memory.remember(
                db,
                [(u["source"], u["english"]) for u in rendering.from_engine],
                rendering.engine,
                rendering.glossary_version,
            )
            if failures:
                detail = f"{'; '.join(failures)}; using {rendering.engine}"
                events.record(db, work.story_id, Stage.ENGINE_FALLBACK, detail)
            waiting.end_wait(db, db.get_one(Story, work.story_id))
            reused = len(rendering.units) - len(rendering.from_engine)
            events.record(
                db,
                work.story_id,
                Stage.TRANSLATED,
                f"by {rendering.engine}: {len(rendering.from_engine)} sentences translated, "
                f"{reused} from memory",
            )
            problems = [problem.message for problem in rendering.problems]
            moved = _move_on(db, work.story_id, work.version_id, work.version, passed, problems)
    except IntegrityError:
        return Translated.ALREADY_TRANSLATED  # a redelivered copy of this task got there first
    if not moved:
        return Translated.MOVED_ON
    return Translated.TRANSLATED if passed else Translated.NEEDS_REVIEW


def _store_passthrough(work: Work) -> Translated:
    try:
        with database.session() as db:
            db.add(
                Translation(
                    story_version_id=work.version_id,
                    engine=PASSTHROUGH,
                    status=TranslationStatus.DONE,
                    ninjs=work.doc | {"language": TARGET_LANGUAGE},
                )
            )
            events.record(db, work.story_id, Stage.TRANSLATED, "English source, passed through")
            waiting.end_wait(db, db.get_one(Story, work.story_id))
            moved = _move_on(db, work.story_id, work.version_id, work.version, True, [])
    except IntegrityError:
        return Translated.ALREADY_TRANSLATED
    return Translated.TRANSLATED if moved else Translated.MOVED_ON


def _hold(work: Work, reason: str) -> Translated:
    with database.session() as db:
        if not story_states.move(
            db, work.story_id, work.version_id, StoryState.HELD, reason, result=f"hold: {reason}"
        ):
            return Translated.MOVED_ON
        waiting.end_wait(db, db.get_one(Story, work.story_id))
        events.record(db, work.story_id, Stage.HELD, reason)
    return Translated.HELD


def _wait_for_engine(work: Work, reason: str) -> Translated:
    log.warning(
        "translation waits for an engine: %s", reason, extra={"story_id": str(work.story_id)}
    )
    with database.session() as db:
        story = db.get_one(Story, work.story_id)
        result = f"no engine for version {work.version}"
        if not waiting.wait(db, story, work.version_id, reason, utcnow(), result):
            return Translated.MOVED_ON
    return Translated.AWAITING_ENGINE
