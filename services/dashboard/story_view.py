"""Everything the story page shows, read in one go: the German and English side by side (block
by block, each with its sentences as the engine and the reviewer see them), QA findings, versions
with what changed, the timeline and the deliveries."""

from __future__ import annotations

import difflib
import json
import uuid
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.dashboard import markers
from services.translate import interface as translate
from shared.models import Delivery, Story, StoryEvent, StoryVersion, Translation


@dataclass(frozen=True)
class UnitView:
    """One sentence as the engine translated it and a reviewer edits it (marker text)."""

    #: The review module's segment number (`services.translate.interface.edit_segment`).
    index: int
    german: list[markers.Piece]
    english: list[markers.Piece]
    #: What the edit box starts with: the English, words unescaped.
    editable: str
    #: engine, memory or reviewer
    origin: str


@dataclass(frozen=True)
class BlockView:
    """A headline, summary or paragraph-like part of the body: German and English."""

    index: int
    #: Where it is, as the QA gate's findings name it (`translate.qa_location`).
    where: str
    german: str
    english: str
    units: list[UnitView]
    problems: list[dict[str, str]]


def side_by_side(source: dict[str, Any], translation: Translation | None) -> list[BlockView]:
    """The story block by block, each with its sentences, and the QA problems found in it."""
    segmented = translate.segment_story(source)
    german = segmented.blocks
    english = translate.blocks_of(translation.ninjs) if translation else []
    units = _units_by_block(segmented, translation)
    problems = _problems_by_place(translation)
    shown = []
    for index, (de, en) in enumerate(zip_longest(german, english)):
        where = (
            translate.qa_location(de, index, german)
            if de is not None
            else f"English block {index + 1}"
        )
        shown.append(
            BlockView(
                index=index,
                where=where,
                german=de.text if de is not None else "",
                english=en.text if en is not None else "",
                units=units.get(index, []),
                problems=problems.get(where, []),
            )
        )
    return shown


@dataclass(frozen=True)
class PictureView:
    """A picture of the story: the image, and its texts in German and English."""

    name: str
    #: The fetched picture's hash (the dashboard serves it at /media/<sha256>); "" if none.
    sha256: str
    width: int
    height: int
    #: (label, German, English) for the headline, caption, alt text and credit.
    texts: list[tuple[str, str, str]]
    #: Why it could not be fetched, if it was not.
    error: str
    #: The image's alt text: the English, else the German.
    alt: str


PICTURE_TEXTS = (
    ("headline", "headline"),
    ("caption", "body_text"),
    ("description", "description_text"),
    ("alt text", "x-syndikat-alt"),
    ("credit", "x-syndikat-credit"),
)


def pictures(source: dict[str, Any], translation: Translation | None) -> list[PictureView]:
    english = dict(translate.picture_associations(translation.ninjs)) if translation else {}
    shown = []
    for name, german in translate.picture_associations(source):
        fetched = german.get("x-syndikat-media")
        media: dict[str, Any] = fetched if isinstance(fetched, dict) else {}
        theirs = english.get(name, {})
        texts = [
            (label, str(german.get(key) or ""), str(theirs.get(key) or ""))
            for label, key in PICTURE_TEXTS
            if german.get(key) or theirs.get(key)
        ]
        shown.append(
            PictureView(
                name=name,
                sha256=str(media.get("sha256") or ""),
                width=int(media.get("width") or 0),
                height=int(media.get("height") or 0),
                texts=texts,
                error=str(german.get("x-syndikat-media-error") or ""),
                alt=str(theirs.get("x-syndikat-alt") or german.get("x-syndikat-alt") or ""),
            )
        )
    return shown


def _units_by_block(
    segmented: translate.Segmented, translation: Translation | None
) -> dict[int, list[UnitView]]:
    """The stored units under their blocks; none when they are not this version's (the
    segmenting changed since) or the story passed through untranslated."""
    stored = (translation.segments or []) if translation else []
    sources = [entry.get("source") for entry in stored]
    if sources != [unit.text for unit in segmented.units]:
        return {}
    found: dict[int, list[UnitView]] = {}
    for index, (unit, entry) in enumerate(zip(segmented.units, stored, strict=True)):
        known = markers.meanings(unit, segmented.blocks[unit.block])
        english = str(entry.get("english") or "")
        found.setdefault(unit.block, []).append(
            UnitView(
                index=index,
                german=markers.pieces(unit.text, known),
                english=markers.pieces(english, known),
                editable=markers.editable(english),
                origin=str(entry.get("origin") or ""),
            )
        )
    return found


def qa_problems(translation: Translation | None) -> list[dict[str, str]]:
    """The QA gate's findings as it stores them: {"check", "where", "message"} each."""
    if translation is None or not isinstance(translation.qa, dict):
        return []
    problems = translation.qa.get("problems") or []
    return [p for p in problems if isinstance(p, dict)]


def _problems_by_place(translation: Translation | None) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for problem in qa_problems(translation):
        found.setdefault(str(problem.get("where", "")), []).append(problem)
    return found


def version_text(version: StoryVersion) -> list[str]:
    return [block.text for block in translate.blocks_of(version.ninjs) if block.text]


#: Fields that change with every version, or whose text the diff already shows.
NOT_COMPARED = {"uri", "version", "versioncreated", *translate.TRANSLATED_FIELDS}
# (A picture's texts are blocks too, so the diff shows a changed caption; `associations`
# itself is still compared, e.g. a picture added or replaced.)
#: The longest value shown for a changed field.
FIELD_SHOWN = 120


@dataclass(frozen=True)
class VersionChange:
    version: StoryVersion
    #: ("add" | "del" | "ctx", line) against the previous version; empty for the first.
    diff: list[tuple[str, str]]
    #: (field, before, after) for the story's other fields that changed (urgency, pubstatus…).
    fields: list[tuple[str, str, str]]


def version_changes(versions: list[StoryVersion]) -> list[VersionChange]:
    changes: list[VersionChange] = []
    previous: StoryVersion | None = None
    for version in versions:
        if previous is None:
            changes.append(VersionChange(version, [], []))
        else:
            diff = _diff(version_text(previous), version_text(version))
            changes.append(VersionChange(version, diff, _changed_fields(previous, version)))
        previous = version
    return changes


def _changed_fields(before: StoryVersion, after: StoryVersion) -> list[tuple[str, str, str]]:
    old, new = before.ninjs, after.ninjs
    names = sorted((set(old) | set(new)) - NOT_COMPARED)
    return [
        (name, _shown(old.get(name)), _shown(new.get(name)))
        for name in names
        if old.get(name) != new.get(name)
    ]


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= FIELD_SHOWN else text[: FIELD_SHOWN - 1] + "…"


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
