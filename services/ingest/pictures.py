"""Fetching a story's pictures once it is stored, before it is translated.

Intake only stores the story and queues `fetch_pictures` (so taking a story in stays fast); this
task downloads each picture's rendition to deliver — the widest within SYNDIKAT_PICTURE_MAX_WIDTH
(`choose_rendition`) — checks it (`picture_check`), keeps one copy per content hash in the media
store and one `media` row, and writes the result into the stored version's association
(`x-syndikat-media`, or `x-syndikat-media-error` with the reason). No database session is held
while downloading. Then the story goes on to translation, or — when a picture failed and its
source's picture policy is `hold` — is held for an editor. Every failure is on its timeline.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.ingest import picture_check, sanitize
from services.ingest.picture_check import Picture, PictureRefused
from shared import db as database
from shared import events, ninjs, outbox, story_states, tasks
from shared.config import get_settings
from shared.events import Stage
from shared.media_store import key_for, media_store
from shared.models import Media, PicturePolicy, Story, StoryState, StoryVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    name: str
    media: dict[str, Any] | None = None
    error: str | None = None


def needs_fetching(doc: dict[str, Any]) -> bool:
    """Whether `doc` has a picture not fetched yet (intake queues `fetch_pictures` then)."""
    return any(ninjs.MEDIA not in picture for picture in ninjs.pictures(doc))


def choose_rendition(picture: dict[str, Any], max_width: int) -> dict[str, Any] | None:
    """The rendition to deliver: the widest within `max_width`; else one whose width is not
    given; else the narrowest (still bounded by the byte and pixel limits). None: no web URL."""
    usable = [
        r
        for r in picture.get("renditions") or []
        if isinstance(r, dict) and isinstance(r.get("href"), str) and sanitize.is_web_url(r["href"])
    ]
    sized = [r for r in usable if isinstance(r.get("width"), int)]
    within = [r for r in sized if r["width"] <= max_width]
    if within:
        return max(within, key=lambda r: r["width"])
    unsized = [r for r in usable if r not in sized]
    if unsized:
        return unsized[0]
    return min(sized, key=lambda r: r["width"], default=None)


def fetch_pictures(story_version_id: int) -> str:
    """The task: fetch the version's pictures, record them, and let the story go on."""
    with database.session() as db:
        version = db.get(StoryVersion, story_version_id)
        if version is None or not _still_waiting(version):
            return "skipped: not the story's current version, or no longer waiting"
        todo = [p for p in ninjs.pictures(version.ninjs) if ninjs.MEDIA not in p]
    outcomes = [_fetch_one(picture) for picture in todo]
    with database.session() as db:
        return _record(db, story_version_id, outcomes)


def _still_waiting(version: StoryVersion) -> bool:
    story = version.story
    return story.current_version_id == version.id and story.state == StoryState.RECEIVED


def _fetch_one(picture: dict[str, Any]) -> Outcome:
    name = str(picture.get("name") or picture.get("uri") or "picture")
    rendition = choose_rendition(picture, get_settings().picture_max_width)
    if rendition is None:
        return Outcome(name, error="no rendition with an http(s) URL to fetch")
    try:
        fetched = picture_check.fetch(rendition["href"])
        return Outcome(name, media=_store(fetched) | {"rendition": rendition.get("name")})
    except PictureRefused as refused:
        return Outcome(name, error=f"{rendition['href']}: {refused}")


def _store(picture: Picture) -> dict[str, Any]:
    """Put the bytes in the media store unless a copy with the same hash is there already."""
    store = media_store()
    key = key_for(picture.sha256, picture.content_type)
    if not store.exists(key):
        store.put(key, picture.data, picture.content_type)
    return {
        "sha256": picture.sha256,
        "content_type": picture.content_type,
        "width": picture.width,
        "height": picture.height,
        "size_bytes": picture.size_bytes,
        "storage_key": key,
    }


def _record(db: Session, story_version_id: int, outcomes: list[Outcome]) -> str:
    version = db.get(StoryVersion, story_version_id)
    if version is None or not _still_waiting(version):
        return "skipped: a newer version arrived while the pictures were fetched"
    story = version.story
    for outcome in outcomes:
        if outcome.media is not None:
            _upsert_media(db, outcome.media)
    version.ninjs = _with_outcomes(version.ninjs, outcomes)
    fetched = [o.name for o in outcomes if o.media is not None]
    failed = [o for o in outcomes if o.error is not None]
    if fetched:
        events.record(
            db, story.id, Stage.PICTURES_FETCHED, f"fetched and stored: {', '.join(fetched)}"
        )
    for outcome in failed:
        events.record(
            db, story.id, Stage.PICTURE_FAILED, f"picture {outcome.name}: {outcome.error}"
        )
    return _go_on(db, story, version, failed)


def _with_outcomes(doc: dict[str, Any], outcomes: list[Outcome]) -> dict[str, Any]:
    """A new dict (so the JSON column sees the change) with each outcome on its picture."""
    updated = copy.deepcopy(doc)
    by_name = {o.name: o for o in outcomes}
    for picture in ninjs.pictures(updated):
        outcome = by_name.get(str(picture.get("name") or picture.get("uri") or "picture"))
        if outcome is None:
            continue
        if outcome.media is not None:
            picture[ninjs.MEDIA] = {k: v for k, v in outcome.media.items() if k != "storage_key"}
            picture.pop(ninjs.MEDIA_ERROR, None)
        else:
            picture[ninjs.MEDIA_ERROR] = outcome.error
    return updated


def _upsert_media(db: Session, media: dict[str, Any]) -> None:
    if db.scalar(select(Media.id).where(Media.sha256 == media["sha256"])) is not None:
        return
    fields = {k: media[k] for k in ("sha256", "content_type", "width", "height", "size_bytes")}
    try:
        with db.begin_nested():  # another worker may store the same picture at the same time
            db.add(Media(**fields, storage_key=media["storage_key"]))
    except IntegrityError:
        log.info("media %s was stored by another worker meanwhile", media["sha256"])


def _go_on(db: Session, story: Story, version: StoryVersion, failed: list[Outcome]) -> str:
    if failed and story.source.picture_policy == PicturePolicy.HOLD:
        reason = (
            f"held: {len(failed)} picture(s) could not be fetched and source "
            f"{story.source.name} holds such stories (picture policy `hold`)"
        )
        if story_states.move(db, story.id, version.id, StoryState.HELD, reason, "pictures"):
            events.record(db, story.id, Stage.HELD, reason)
        return "held"
    outbox.enqueue(db, tasks.TRANSLATE_VERSION, story_version_id=version.id)
    return "without failed pictures" if failed else "fetched"
