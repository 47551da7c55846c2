"""Rendering one stored story version into English.

Short transactions with the engine in between: a translation can take seconds, and holding a
database transaction (on SQLite, the write lock) that long would stall every other service.
The engines are tried in order (SYNDIKAT_ENGINE, then SYNDIKAT_FALLBACK_ENGINES); units the
translation memory knows never reach an engine; the QA gate decides whether the English may go
out or waits for a reviewer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.translate import batching, bylines, house_style, memory, qa, segments
from services.translate import glossary as glossaries
from services.translate.engines import (
    Engine,
    EngineError,
    EngineUnavailable,
    GlossaryEngine,
    engine_chain,
    load_engine,
)
from services.translate.glossary import GlossarySnapshot
from shared import db as database
from shared import events, outbox, story_states, tasks
from shared.config import get_settings
from shared.models import (
    Story,
    StoryState,
    StoryVersion,
    Translation,
    TranslationStatus,
    VersionKind,
)

log = logging.getLogger(__name__)
SOURCE_LANGUAGE = "de"
TARGET_LANGUAGE = "en"
PASSTHROUGH = "passthrough"
#: What a task returns when its version is no longer the story's to move (see story_states).
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


@dataclass
class Rendering:
    """An English story and how it was made."""

    engine: str
    ninjs: dict[str, Any]
    #: One per unit: {"source", "english", "origin"} (origin: engine, memory or reviewer).
    units: list[dict[str, str]]
    problems: list[qa.Problem]
    glossary_version: int

    @property
    def from_engine(self) -> list[dict[str, str]]:
        return [unit for unit in self.units if unit["origin"] == memory.ENGINE]


@cache
def configured_engine(setting: str | None = None) -> Engine:
    """The engine a setting names (default: SYNDIKAT_ENGINE), built once per worker process;
    concurrent stories share its calls where that pays (see `batching`)."""
    return batching.across_stories(load_engine(setting or get_settings().engine))


def translate_version(story_version_id: int) -> str:
    """Translate a version unless that already happened; returns what was done."""
    work = _claim(story_version_id)
    if isinstance(work, str):
        return work
    if work.language == TARGET_LANGUAGE:
        return _store_passthrough(work)
    if work.language != SOURCE_LANGUAGE:
        return _hold(work, f"no translation from language {work.language!r}")
    failures = []
    for setting in engine_chain(get_settings()):
        try:
            rendering = render(configured_engine(setting), work.doc, work.glossary)
        except EngineUnavailable as exc:
            # A model may be installed, a key set, before the next try: build engines afresh.
            configured_engine.cache_clear()
            failures.append(str(exc))
            continue
        except Exception as exc:  # any engine, ours or a newsroom's plug-in, may fail its own way
            log.exception("engine %s failed", setting, extra={"story_id": str(work.story_id)})
            failures.append(f"engine {setting} failed: {exc}")
            continue
        return _store(work, rendering)
    return _wait_for_engine(work, "; ".join(failures))


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
    fresh = dict(zip(todo, _engine_english(engine, todo, glossary), strict=True))
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
    )


def _engine_english(engine: Engine, units: list[str], glossary: GlossarySnapshot) -> list[str]:
    if not units:
        return []
    if isinstance(engine, GlossaryEngine):
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


def _claim(story_version_id: int) -> Work | str:
    with database.session() as db:
        version = db.get(StoryVersion, story_version_id)
        if version is None:
            return "missing"
        story = version.story
        stored = db.scalar(select(Translation).where(Translation.story_version_id == version.id))
        if stored is not None:
            _settle(db, story, version, stored)
            return "already translated"
        if story.current_version_id != version.id:
            events.record(db, story.id, "skipped", f"version {version.version} was superseded")
            return "superseded"
        if version.kind == VersionKind.KILL or story.state == StoryState.KILLED:
            return "not translated: the story was killed"  # whatever queued it by mistake
        if not story_states.move(
            db, story.id, version.id, StoryState.TRANSLATING, result="translation task"
        ):
            return f"not translated: the story is {story.state}"
        events.record(db, story.id, "translating", f"version {version.version}")
        glossary = glossaries.snapshot(db)
        return Work(
            version.id, version.version, story.id, version.language, version.ninjs, glossary
        )


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
        events.record(db, story_id, "needs_review", reasons)
    return moved


def _store(work: Work, rendering: Rendering) -> str:
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
            reused = len(rendering.units) - len(rendering.from_engine)
            events.record(
                db,
                work.story_id,
                "translated",
                f"by {rendering.engine}: {len(rendering.from_engine)} sentences translated, "
                f"{reused} from memory",
            )
            problems = [problem.message for problem in rendering.problems]
            moved = _move_on(db, work.story_id, work.version_id, work.version, passed, problems)
    except IntegrityError:
        return "already translated"  # a redelivered copy of this task got there first
    if not moved:
        return MOVED_ON
    return "translated" if passed else "needs review"


def _store_passthrough(work: Work) -> str:
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
            events.record(db, work.story_id, "translated", "English source, passed through")
            moved = _move_on(db, work.story_id, work.version_id, work.version, True, [])
    except IntegrityError:
        return "already translated"
    return "translated" if moved else MOVED_ON


def _hold(work: Work, reason: str) -> str:
    with database.session() as db:
        if not story_states.move(
            db, work.story_id, work.version_id, StoryState.HELD, reason, result=f"hold: {reason}"
        ):
            return MOVED_ON
        events.record(db, work.story_id, "held", reason)
    return "held"


def _wait_for_engine(work: Work, reason: str) -> str:
    log.warning(
        "translation waits for an engine: %s", reason, extra={"story_id": str(work.story_id)}
    )
    with database.session() as db:
        if not story_states.move(
            db,
            work.story_id,
            work.version_id,
            StoryState.AWAITING_ENGINE,
            reason,
            result=f"no engine for version {work.version}",
        ):
            return MOVED_ON
        events.record(db, work.story_id, "awaiting_engine", reason)
    return "awaiting engine"


def versions_awaiting_engine() -> list[int]:
    with database.session() as db:
        query = select(Story.current_version_id).where(
            Story.state == StoryState.AWAITING_ENGINE, Story.current_version_id.is_not(None)
        )
        return [version_id for version_id in db.scalars(query) if version_id is not None]
