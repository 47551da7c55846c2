"""Everything the story page shows, read in one go: the German and English side by side, QA
findings, versions with what changed, the timeline and the deliveries."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.translate import segments
from shared.models import Delivery, Story, StoryEvent, StoryVersion, Translation


def segment_pairs(source: dict[str, Any], english: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(German, English) per segment, in reading order.

    The one place that knows how a story is cut into segments for display: when translation
    changes its segmenting (or stores segments itself), adapt this function only.
    """
    german = _block_texts(source)
    rendered = _block_texts(english) if english else []
    return list(zip_longest(german, rendered, fillvalue=""))


def version_text(version: StoryVersion) -> list[str]:
    return [text for text in _block_texts(version.ninjs) if text]


def _block_texts(doc: dict[str, Any]) -> list[str]:
    """A story's blocks (headline, summary, paragraphs …) as plain text, in reading order."""
    return [block.text for block in segments.blocks_of(doc)]


@dataclass(frozen=True)
class VersionChange:
    version: StoryVersion
    #: ("add" | "del" | "ctx", line) against the previous version; empty for the first.
    diff: list[tuple[str, str]]


def version_changes(versions: list[StoryVersion]) -> list[VersionChange]:
    changes, previous = [], None
    for version in versions:
        lines = version_text(version)
        diff = _diff(previous, lines) if previous is not None else []
        changes.append(VersionChange(version, diff))
        previous = lines
    return changes


def _diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    marked = []
    for line in difflib.unified_diff(before, after, lineterm="", n=1):
        if line.startswith(("---", "+++", "@@")):
            continue
        kind = {"+": "add", "-": "del"}.get(line[:1], "ctx")
        marked.append((kind, line[1:]))
    return marked


@dataclass(frozen=True)
class TimelineEntry:
    event: StoryEvent
    #: Seconds since the story's first event.
    offset: float


def timeline(db: Session, story_id: uuid.UUID) -> list[TimelineEntry]:
    query = select(StoryEvent).where(StoryEvent.story_id == story_id)
    found = list(db.scalars(query.order_by(StoryEvent.at, StoryEvent.id)))
    start = found[0].at if found else None
    return [TimelineEntry(e, (e.at - start).total_seconds() if start else 0.0) for e in found]


def deliveries(db: Session, story_id: uuid.UUID) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(Delivery.story_id == story_id)
        .options(selectinload(Delivery.partner), selectinload(Delivery.attempt_log))
        .order_by(Delivery.id)
    )
    return list(db.scalars(query))


def current_translation(db: Session, story: Story) -> Translation | None:
    if story.current_version_id is None:
        return None
    return db.scalar(
        select(Translation).where(Translation.story_version_id == story.current_version_id)
    )


def qa_findings(translation: Translation | None) -> list[str]:
    """QA findings as lines of text, whatever shape the gate stores them in."""
    if translation is None or not translation.qa:
        return []
    qa = translation.qa
    reasons = qa.get("reasons") if isinstance(qa, dict) else None
    if isinstance(reasons, list):
        return [_finding_text(reason) for reason in reasons]
    return [f"{key}: {value}" for key, value in qa.items()]


def _finding_text(reason: Any) -> str:
    if isinstance(reason, dict):
        message = reason.get("message") or reason.get("detail") or ""
        code = reason.get("code") or reason.get("check") or ""
        where = reason.get("segment")
        text = f"{code}: {message}" if code and message else str(message or code or reason)
        return f"{text} (segment {where})" if where is not None else text
    return str(reason)
