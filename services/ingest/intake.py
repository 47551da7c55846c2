"""Taking one story in: the path every way in (push API, CLI, feeds, folders) goes through.

It turns the document into clean ninjs 2.x (1.x and 3.x mapped, HTML sanitised, items that are
not stories refused: `story_kind`), finds the story it belongs to (by source and uri:
`services.ingest.identity`), decides what it is to Syndikat — new, a newer version, a kill, a
duplicate or a conflicting duplicate — and which language it is in, stores it, records it on
the story's timeline and queues its next step, all in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ingest import (
    identity,
    language,
    ninjs_v1,
    ninjs_v3,
    pictures,
    sanitize,
    story_kind,
    versions,
)
from shared import events, ninjs, outbox, story_states, tasks
from shared.events import Stage
from shared.models import Source, Story, StoryState, StoryVersion, VersionKind


@dataclass(frozen=True)
class Intake:
    story_id: uuid.UUID
    version: str
    #: False when the wire sent a version Syndikat already had (or an older one).
    accepted: bool
    outcome: str


class VersionConflict(Exception):
    """The wire sent a version Syndikat already has, with different content."""

    def __init__(self, story_id: uuid.UUID, uri: str, version: str, source: str, reason: str):
        super().__init__(reason)
        self.story_id = story_id
        self.uri = uri
        self.version = version
        self.source = source


def prepare(doc: Any) -> dict[str, Any]:
    """`doc` as clean ninjs 2.x; raises `ninjs.InvalidStory` when it cannot be one.

    `ninjs.NotAStory` when it is not a story at all (an event listing, an empty item).
    """
    v3_schema = ninjs_v3.schema_version(doc)
    if v3_schema is not None:
        doc = ninjs_v3.upgrade(doc, v3_schema)
    elif ninjs_v1.is_v1(doc):
        doc = ninjs_v1.upgrade(doc)
    doc, extensions = _set_aside_extensions(doc)
    clean = sanitize.clean_story(_check_embargo(ninjs.validate(doc)))
    _restore_extensions(clean, extensions)
    story_kind.check(clean)
    return clean


def _set_aside_extensions(doc: Any) -> tuple[Any, dict[int, dict[str, Any]]]:
    """`doc` without the pictures' extension keys (the schema refuses them), and those keys by
    association. Only a credit and alt text are taken from a wire: what fetching found
    (`x-syndikat-media`) only Syndikat writes."""
    associations = doc.get("associations") if isinstance(doc, dict) else None
    if not isinstance(associations, list):
        return doc, {}
    kept: dict[int, dict[str, Any]] = {}
    stripped = []
    for index, item in enumerate(associations):
        if isinstance(item, dict):
            sent = {
                key: item[key] for key in ninjs.WIRE_EXTENSIONS if isinstance(item.get(key), str)
            }
            if isinstance(item.get("creditline"), str):  # a field some wires add to 2.x
                sent.setdefault(ninjs.CREDIT, item["creditline"])
            if sent:
                kept[index] = sent
            item = {k: v for k, v in item.items() if k not in (*ninjs.EXTENSIONS, "creditline")}
        stripped.append(item)
    return doc | {"associations": stripped}, kept


def _restore_extensions(doc: dict[str, Any], extensions: dict[int, dict[str, Any]]) -> None:
    for index, sent in extensions.items():
        doc["associations"][index].update(
            {key: sanitize.plain_text(value) for key, value in sent.items()}
        )


def _check_embargo(doc: dict[str, Any]) -> dict[str, Any]:
    """An embargo Syndikat cannot read would be ignored, and the story published early."""
    if doc.get("embargoed") not in (None, "") and ninjs.embargoed(doc) is None:
        raise ninjs.InvalidStory(
            f"embargoed {doc['embargoed']!r} is not an ISO 8601 date and time",
            ["embargoed: not a date-time"],
        )
    return doc


def take_story(
    db: Session, source: Source, doc: Any, via: str, record_duplicates: bool = True
) -> Intake:
    """Store `doc` (ninjs 1.x, 2.x or 3.x) from `source`; raises `ninjs.InvalidStory` for bad
    input and `VersionConflict` (nothing stored) for a known version with other content.

    `record_duplicates=False` keeps a re-polled, unchanged feed item off the story's timeline.
    """
    doc = prepare(doc)
    story = find_story(db, source, doc)
    placement = versions.place(story, doc)
    if story is not None and placement.conflict is not None:
        raise VersionConflict(
            story.id, story.uri, placement.version, source.name, placement.conflict
        )
    if story is not None and placement.stale is not None:
        if record_duplicates:
            events.record(
                db,
                story.id,
                Stage.DUPLICATE,
                placement.stale,
                version=placement.version,
                source=source.name,
                via=via,
            )
        return Intake(story.id, placement.version, accepted=False, outcome="duplicate")
    if story is None:
        story = Story(id=uuid.uuid4(), uri=doc["uri"], source=source)
        db.add(story)
    doc["version"] = placement.version
    checked = _check_language(doc, source)
    version = _store_version(db, story, source, doc, placement)
    detail = f"version {version.version} ({version.kind}) from {source.name} via {via}"
    events.record(
        db, story.id, Stage.RECEIVED, detail, version=version.version, source=source.name, via=via
    )
    if placement.future_note:
        events.record(db, story.id, Stage.FLAGGED, placement.future_note)
    _queue_next_step(db, story, version, checked, first_seen=len(story.versions) == 1)
    return Intake(story.id, version.version, accepted=True, outcome=version.kind)


def record_conflict(db: Session, conflict: VersionConflict, via: str, outcome: str) -> None:
    """Put a refused conflicting version on its story's timeline; `outcome` says what became
    of it (e.g. "answered 409 version_conflict")."""
    events.record(
        db,
        conflict.story_id,
        Stage.CONFLICT,
        f"{conflict} (from {conflict.source} via {via}): {outcome}",
        version=conflict.version,
        source=conflict.source,
        via=via,
    )


def find_story(db: Session, source: Source, doc: dict[str, Any]) -> Story | None:
    """The story of `source` that `doc` is a version of; sets `doc["uri"]` to the stored uri.

    Only `source`'s own stories are looked at: another source's story with the same uri is
    never found, so it can never be updated or killed from here.
    """
    sent_id = doc["uri"]
    doc["uri"] = identity.checked_story_uri(sent_id, source.name)
    candidates = [doc["uri"], *identity.earlier_uris(sent_id)]
    found = db.scalars(
        select(Story).where(Story.source_id == source.id, Story.uri.in_(candidates))
    ).all()
    story = min(found, key=lambda s: candidates.index(s.uri), default=None)
    if story is not None:
        doc["uri"] = story.uri
    return story


def _check_language(doc: dict[str, Any], source: Source) -> language.LanguageCheck | None:
    """The language decision for a story that goes on; a kill needs none."""
    if ninjs.pubstatus(doc) == ninjs.KILLED:
        return None
    checked = language.check(doc, source.language)
    if checked.language is not None:
        doc["language"] = checked.language
    return checked


def _store_version(
    db: Session, story: Story, source: Source, doc: dict[str, Any], placement: versions.Placement
) -> StoryVersion:
    is_kill = ninjs.pubstatus(doc) == ninjs.KILLED
    kind = (
        VersionKind.KILL
        if is_kill
        else (VersionKind.UPDATE if story.current_version else VersionKind.ORIGINAL)
    )
    version = StoryVersion(
        story=story,
        source_id=source.id,
        version=placement.version,
        kind=kind,
        pubstatus=ninjs.pubstatus(doc),
        language=ninjs.language(doc) or story.source.language,
        versioncreated=placement.created,
        ninjs=doc,
    )
    db.add(version)
    db.flush()
    story.headline = ninjs.main_headline(doc) or story.headline
    story.language = version.language
    return version


def _queue_next_step(
    db: Session,
    story: Story,
    version: StoryVersion,
    checked: language.LanguageCheck | None,
    first_seen: bool,
) -> None:
    if version.kind == VersionKind.KILL or checked is None:
        _kill(db, story, version, first_seen)
        return
    events.record(db, story.id, Stage.LANGUAGE, checked.explanation, language=checked.language)
    media_hold = story_kind.hold_reason(version.ninjs)
    if version.pubstatus == ninjs.WITHHELD:
        story_states.start_version(story, version, StoryState.HELD, "withheld by the wire")
        events.record(db, story.id, Stage.HELD, "pubstatus withheld: not translated or published")
    elif media_hold is not None:
        story_states.start_version(story, version, StoryState.HELD, media_hold)
        events.record(db, story.id, Stage.HELD, media_hold)
    elif not checked.handled:
        _hold_for_language(db, story, version, checked)
    else:
        story_states.start_version(story, version, StoryState.RECEIVED)
        # Pictures are fetched by a task of their own, so taking the story in stays fast.
        next_task = (
            tasks.FETCH_PICTURES
            if pictures.needs_fetching(version.ninjs)
            else tasks.TRANSLATE_VERSION
        )
        outbox.enqueue(db, next_task, story_version_id=version.id)


def _kill(db: Session, story: Story, version: StoryVersion, first_seen: bool) -> None:
    if first_seen:
        # Nothing went out, so nothing is withdrawn; the kill is kept so that the original,
        # should it still arrive, is an older version and never published.
        reason = "killed by the wire before Syndikat had the story: recorded, nothing to withdraw"
        story_states.start_version(story, version, StoryState.KILLED, reason)
        events.record(db, story.id, Stage.KILLED, reason, source=story.source.name)
        return
    # A kill needs no translation: it goes straight to the partners that had the story.
    story_states.start_version(story, version, StoryState.KILLED, "withdrawn by the wire")
    outbox.enqueue(db, tasks.FAN_OUT, story_version_id=version.id)


def _hold_for_language(
    db: Session, story: Story, version: StoryVersion, checked: language.LanguageCheck
) -> None:
    if checked.language is None:
        reason = f"held: {checked.explanation}"
    else:
        reason = f"held: language {checked.language} is neither German nor English"
    story_states.start_version(story, version, StoryState.HELD, reason)
    events.record(db, story.id, Stage.HELD, reason)
