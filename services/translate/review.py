"""Reviewing a translation the QA gate held: see it, edit sentences, approve it for publishing.

The API blueprint (and later the dashboard) call these functions inside their own transaction.
An edit goes into the translation memory as the reviewer's English, so the story's next version,
and any other story with the same sentence, gets it instead of the engine's.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.translate import bylines, house_style, markup, memory, qa, segments
from services.translate import glossary as glossaries
from shared import events, outbox, story_states, tasks
from shared.events import Stage
from shared.languages import Language
from shared.models import Story, StoryState, StoryVersion, Translation, TranslationStatus
from shared.models.memory import REVIEWER

TARGET_LANGUAGE = Language.ENGLISH
MAX_EDIT_LENGTH = 5000


class ReviewError(Exception):
    """A review action that cannot be done; `kind` is not_found, conflict or invalid."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def waiting(db: Session) -> list[dict[str, Any]]:
    """Stories the QA gate held, oldest first."""
    query = select(Story).where(Story.state == StoryState.NEEDS_REVIEW).order_by(Story.updated_at)
    return [
        {"id": str(story.id), "headline": story.headline, "reason": story.state_detail}
        for story in db.scalars(query)
    ]


def describe(db: Session, story_id: uuid.UUID) -> dict[str, Any]:
    story, translation = _current(db, story_id)
    return {
        "story": str(story.id),
        "state": story.state,
        "engine": translation.engine,
        "status": translation.status,
        "qa": translation.qa,
        "segments": [
            {"index": index, **unit} for index, unit in enumerate(translation.segments or [])
        ],
        "english": translation.ninjs,
    }


def edit_segment(
    db: Session, story_id: uuid.UUID, index: int, english: str, reviewer: str
) -> dict[str, Any]:
    """Replace one sentence's English, remember it, and check the story again."""
    story, translation = _current(db, story_id)
    _require_reviewable(translation)
    units = [dict(unit) for unit in translation.segments or []]
    if not 0 <= index < len(units):
        raise ReviewError("not_found", f"no segment {index}; there are {len(units)}")
    english = _valid_edit(units[index]["source"], english)
    units[index].update(english=english, origin=REVIEWER)
    version = db.get_one(StoryVersion, translation.story_version_id)
    glossary = glossaries.snapshot(db)
    translation.segments = units
    translation.ninjs = bylines.in_english(
        segments.rebuild(
            version.ninjs,
            [unit["english"] for unit in units],
            TARGET_LANGUAGE,
            polish=house_style.english_quotes,
        )
    )
    translation.qa = qa.report(qa.check(version.ninjs, translation.ninjs, glossary))
    # The reason the story waits follows the check, so the queue never shows a fixed problem.
    waiting_because = _waiting_because(translation.qa, reviewer)
    _move(db, story, translation, StoryState.NEEDS_REVIEW, waiting_because)
    memory.remember_edit(db, units[index]["source"], english, glossary.version)
    events.record(db, story.id, Stage.TRANSLATION_EDITED, f"segment {index} by {reviewer}")
    return describe(db, story_id)


def approve(db: Session, story_id: uuid.UUID, reviewer: str) -> dict[str, Any]:
    """Release a held translation for publishing, whatever its QA findings."""
    story, translation = _current(db, story_id)
    _require_reviewable(translation)
    _move(db, story, translation, StoryState.READY, f"approved by {reviewer}")
    translation.status = TranslationStatus.APPROVED
    open_problems = len(translation.qa.get("problems") or [])
    events.record(db, story.id, Stage.APPROVED, f"by {reviewer}", open_qa_problems=open_problems)
    outbox.enqueue(db, tasks.FAN_OUT, story_version_id=translation.story_version_id)
    return describe(db, story_id)


def _move(db: Session, story: Story, translation: Translation, to: StoryState, detail: str) -> None:
    """Move the story on, unless a new version (or a kill) took it over meanwhile."""
    if not story_states.move(
        db, story.id, translation.story_version_id, to, detail, result=f"review: {detail}"
    ):
        raise ReviewError("conflict", f"the story moved on meanwhile: it is {story.state} now")


def _waiting_because(report: dict[str, Any], reviewer: str) -> str:
    problems = report.get("problems") or []
    if not problems:
        return f"QA passed after an edit by {reviewer}; waiting for approval"
    return "QA: " + "; ".join(problem["message"] for problem in problems[:5])


def _current(db: Session, story_id: uuid.UUID) -> tuple[Story, Translation]:
    story = db.get(Story, story_id)
    if story is None:
        raise ReviewError("not_found", "no such story")
    translation = db.scalar(
        select(Translation).where(Translation.story_version_id == story.current_version_id)
    )
    if translation is None:
        raise ReviewError("not_found", "the story's current version has no translation yet")
    return story, translation


def _require_reviewable(translation: Translation) -> None:
    if translation.status != TranslationStatus.NEEDS_REVIEW:
        raise ReviewError("conflict", f"the translation is {translation.status}, not held")


def _valid_edit(source: str, english: str) -> str:
    if not isinstance(english, str) or not english.strip():
        raise ReviewError("invalid", "the English must be a non-empty string")
    if len(english) > MAX_EDIT_LENGTH:
        raise ReviewError("invalid", f"the English is longer than {MAX_EDIT_LENGTH} characters")
    known = set(markup.refs(markup.parse(source)))
    used = {int(match.group(3)) for match in markup.MARKER.finditer(english)}
    if used - known:
        wrong = ", ".join(f"<g{ref}>" for ref in sorted(used - known))
        raise ReviewError("invalid", f"the German has no marker {wrong}")
    return english.strip()
