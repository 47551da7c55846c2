"""The story timeline: every service records what it did to a story here."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from shared.logging import note_story
from shared.models import StoryEvent

log = logging.getLogger("syndikat.timeline")


def record(
    db: Session,
    story_id: uuid.UUID,
    stage: str,
    detail: str | None = None,
    **data: Any,
) -> StoryEvent:
    event = StoryEvent(story_id=story_id, stage=stage, detail=detail, data=data or None)
    db.add(event)
    log.info("%s: %s", stage, detail or "", extra={"story_id": str(story_id), "stage": stage})
    note_story(story_id)
    return event
