"""The story timeline: every service records what it did to a story here."""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from shared.logging import note_story
from shared.models import StoryEvent

log = logging.getLogger("syndikat.timeline")


class Stage(StrEnum):
    """What happened to a story, as its timeline (and the log) names it."""

    # ingest
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    LANGUAGE = "language"
    FLAGGED = "flagged"
    HELD = "held"
    KILLED = "killed"
    PICTURES_FETCHED = "pictures_fetched"
    PICTURE_FAILED = "picture_failed"
    # translate
    TRANSLATING = "translating"
    TRANSLATED = "translated"
    SKIPPED = "skipped"
    NEEDS_REVIEW = "needs_review"
    AWAITING_ENGINE = "awaiting_engine"
    RESUMED = "resumed"  # an engine answered after a wait
    ENGINE_FALLBACK = "engine_fallback"
    TRANSLATION_EDITED = "translation_edited"
    APPROVED = "approved"
    # publish
    EMBARGOED = "embargoed"
    EMBARGO_LIFTED = "embargo_lifted"
    FANNED_OUT = "fanned_out"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    DEAD_LETTER = "dead_letter"
    REPLAYED = "replayed"
    DELIVERY_CANCELED = "delivery_canceled"  # by an operator, with who and why
    # any service
    REQUEUED = "requeued"
    STATE_KEPT = "state_kept"


def record(
    db: Session,
    story_id: uuid.UUID,
    stage: Stage,
    detail: str | None = None,
    **data: Any,
) -> StoryEvent:
    """Add an event to the story's timeline; a stage the timeline does not know is refused."""
    stage = Stage(stage)
    event = StoryEvent(story_id=story_id, stage=stage, detail=detail, data=data or None)
    db.add(event)
    log.info("%s: %s", stage, detail or "", extra={"story_id": str(story_id), "stage": stage})
    note_story(story_id)
    return event
