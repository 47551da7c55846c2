"""Taking one story in: the path every way in (push API, CLI, feeds, folders) goes through.

It decides what the story is to Syndikat — new, a newer version, a kill, or a duplicate — stores
it, records it on the story's timeline and queues its next step, all in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import events, ninjs, outbox, tasks
from shared.models import Source, Story, StoryState, StoryVersion, VersionKind


@dataclass(frozen=True)
class Intake:
    story_id: uuid.UUID
    version: str
    #: False when the wire sent a version Syndikat already had (or an older one).
    accepted: bool
    outcome: str


def take_story(db: Session, source: Source, doc: Any, via: str) -> Intake:
    """Store `doc` (ninjs 2.x) from `source`; raises `ninjs.InvalidStory` for bad input."""
    doc = ninjs.validate(doc)
    story = db.scalar(select(Story).where(Story.uri == doc["uri"]))
    if story is None:
        story = Story(id=uuid.uuid4(), uri=doc["uri"], source=source)
        db.add(story)
    elif (stale := _why_not_newer(story, doc)) is not None:
        events.record(db, story.id, "duplicate", stale, version=ninjs.version_of(doc), via=via)
        return Intake(story.id, ninjs.version_of(doc), accepted=False, outcome="duplicate")
    version = _store_version(db, story, doc)
    events.record(
        db,
        story.id,
        "received",
        f"version {version.version} ({version.kind}) via {via}",
        version=version.version,
        via=via,
    )
    _queue_next_step(db, story, version)
    return Intake(story.id, version.version, accepted=True, outcome=version.kind)


def _why_not_newer(story: Story, doc: dict[str, Any]) -> str | None:
    """None when `doc` supersedes the story's current version, else why it does not."""
    current = story.current_version
    if current is None:
        return None
    incoming = ninjs.version_of(doc)
    if incoming == current.version:
        return f"version {incoming} was already received"
    if _is_newer(incoming, ninjs.versioncreated(doc), current):
        return None
    return f"version {incoming} is older than the current version {current.version}"


def _is_newer(incoming: str, created: Any, current: StoryVersion) -> bool:
    if incoming.isdigit() and current.version.isdigit():
        return int(incoming) > int(current.version)
    if created is not None and current.versioncreated is not None:
        return created > current.versioncreated
    return incoming > current.version


def _store_version(db: Session, story: Story, doc: dict[str, Any]) -> StoryVersion:
    is_kill = ninjs.pubstatus(doc) == ninjs.KILLED
    kind = (
        VersionKind.KILL
        if is_kill
        else (VersionKind.UPDATE if story.current_version else VersionKind.ORIGINAL)
    )
    version = StoryVersion(
        story=story,
        version=ninjs.version_of(doc),
        kind=kind,
        pubstatus=ninjs.pubstatus(doc),
        language=ninjs.language(doc) or story.source.language,
        versioncreated=ninjs.versioncreated(doc),
        ninjs=doc,
    )
    db.add(version)
    db.flush()
    story.current_version = version
    story.headline = ninjs.main_headline(doc) or story.headline
    story.language = version.language
    return version


def _queue_next_step(db: Session, story: Story, version: StoryVersion) -> None:
    if version.kind == VersionKind.KILL:
        # A kill needs no translation: it goes straight to the partners that had the story.
        story.move_to(StoryState.KILLED, "withdrawn by the wire")
        outbox.enqueue(db, tasks.FAN_OUT, story_version_id=version.id)
    elif version.pubstatus == ninjs.WITHHELD:
        story.move_to(StoryState.HELD, "withheld by the wire")
        events.record(db, story.id, "held", "pubstatus withheld: not translated or published")
    else:
        story.move_to(StoryState.RECEIVED)
        outbox.enqueue(db, tasks.TRANSLATE_VERSION, story_version_id=version.id)
