"""Rendering one stored story version into English.

Two short transactions with the engine in between: a translation can take seconds, and holding
a database transaction (on SQLite, the write lock) that long would stall every other service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.translate import segments
from services.translate.engines import Engine, EngineError, EngineUnavailable, load_engine
from shared import db as database
from shared import events, outbox, tasks
from shared.config import get_settings
from shared.models import Story, StoryState, StoryVersion, Translation, TranslationStatus

log = logging.getLogger(__name__)
TARGET_LANGUAGE = "en"
PASSTHROUGH = "passthrough"


@dataclass(frozen=True)
class Work:
    """What the engine needs, read in the first transaction."""

    version_id: int
    story_id: Any
    language: str | None
    doc: dict[str, Any]


@cache
def configured_engine() -> Engine:
    """The engine named by SYNDIKAT_ENGINE, built once per worker process."""
    return load_engine(get_settings().engine)


def translate_version(story_version_id: int) -> str:
    """Translate a version unless that already happened; returns what was done."""
    work = _claim(story_version_id)
    if isinstance(work, str):
        return work
    if work.language == TARGET_LANGUAGE:
        return _store(work, work.doc | {"language": TARGET_LANGUAGE}, PASSTHROUGH)
    if work.language != "de":
        return _hold(work, f"no translation from language {work.language!r}")
    try:
        engine = configured_engine()
        english = _render(engine, work.doc)
    except EngineUnavailable as exc:
        configured_engine.cache_clear()  # the model may be installed before the next try
        return _wait_for_engine(work, str(exc))
    except Exception as exc:  # any engine, ours or a newsroom's plug-in, may fail its own way
        log.exception("engine failed", extra={"story_id": str(work.story_id)})
        return _wait_for_engine(work, f"engine failed: {exc}")
    return _store(work, english, engine.name)


def _claim(story_version_id: int) -> Work | str:
    with database.session() as db:
        version = db.get(StoryVersion, story_version_id)
        if version is None:
            return "missing"
        story = version.story
        if db.scalar(select(Translation.id).where(Translation.story_version_id == version.id)):
            return "already translated"
        if story.current_version_id != version.id:
            events.record(db, story.id, "skipped", f"version {version.version} was superseded")
            return "superseded"
        story.move_to(StoryState.TRANSLATING)
        events.record(db, story.id, "translating", f"version {version.version}")
        return Work(version.id, story.id, version.language, version.ninjs)


def _render(engine: Engine, doc: dict[str, Any]) -> dict[str, Any]:
    source = segments.segments_of(doc)
    translated = engine.translate(source, "de", TARGET_LANGUAGE)
    if len(translated) != len(source):
        raise EngineError(f"engine returned {len(translated)} segments for {len(source)}")
    return segments.rebuild(doc, translated, TARGET_LANGUAGE)


def _store(work: Work, english: dict[str, Any], engine_name: str) -> str:
    try:
        with database.session() as db:
            db.add(
                Translation(
                    story_version_id=work.version_id,
                    engine=engine_name,
                    status=TranslationStatus.DONE,
                    ninjs=english,
                )
            )
            story = db.get_one(Story, work.story_id)
            story.move_to(StoryState.READY)
            detail = "English source, passed through" if engine_name == PASSTHROUGH else None
            events.record(db, story.id, "translated", detail or f"by {engine_name}")
            outbox.enqueue(db, tasks.FAN_OUT, story_version_id=work.version_id)
    except IntegrityError:
        return "already translated"  # a redelivered copy of this task got there first
    return "translated"


def _hold(work: Work, reason: str) -> str:
    with database.session() as db:
        db.get_one(Story, work.story_id).move_to(StoryState.HELD, reason)
        events.record(db, work.story_id, "held", reason)
    return "held"


def _wait_for_engine(work: Work, reason: str) -> str:
    log.warning(
        "translation waits for an engine: %s", reason, extra={"story_id": str(work.story_id)}
    )
    with database.session() as db:
        db.get_one(Story, work.story_id).move_to(StoryState.AWAITING_ENGINE, reason)
        events.record(db, work.story_id, "awaiting_engine", reason)
    return "awaiting engine"


def versions_awaiting_engine() -> list[int]:
    with database.session() as db:
        query = select(Story.current_version_id).where(
            Story.state == StoryState.AWAITING_ENGINE, Story.current_version_id.is_not(None)
        )
        return [version_id for version_id in db.scalars(query) if version_id is not None]
