"""A story's state as the API shows it: versions, translation, deliveries, timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.publish.interface import describe_delivery
from shared import ninjs
from shared.models import Delivery, Story, StoryEvent, StoryState, Translation


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def story_status(db: Session, story: Story) -> dict[str, Any]:
    return {
        "id": str(story.id),
        "uri": story.uri,
        "state": story.state,
        "state_detail": story.state_detail,
        "embargoed_until": _embargoed_until(story),
        "headline": story.headline,
        "language": story.language,
        "source": story.source.name,
        "current_version": story.current_version.version if story.current_version else None,
        "versions": [_version(v) for v in story.versions],
        "translation": _translation(db, story),
        "deliveries": _deliveries(db, story),
        "timeline": _timeline(db, story),
    }


def _embargoed_until(story: Story) -> str | None:
    """While the story is held for its embargo: until when."""
    if story.state != StoryState.EMBARGOED or story.current_version is None:
        return None
    return _iso(ninjs.embargoed(story.current_version.ninjs))


def _version(version: Any) -> dict[str, Any]:
    return {
        "version": version.version,
        "kind": version.kind,
        "source": version.source.name if version.source else None,
        "pubstatus": version.pubstatus,
        "language": version.language,
        "received_at": _iso(version.received_at),
    }


def _translation(db: Session, story: Story) -> dict[str, Any] | None:
    if story.current_version_id is None:
        return None
    translation = db.scalar(
        select(Translation).where(Translation.story_version_id == story.current_version_id)
    )
    if translation is None:
        return None
    return {
        "engine": translation.engine,
        "status": translation.status,
        "qa": translation.qa,
        "story": translation.ninjs,
    }


def _deliveries(db: Session, story: Story) -> list[dict[str, Any]]:
    query = (
        select(Delivery)
        .where(Delivery.story_id == story.id)
        .options(selectinload(Delivery.partner))
        .order_by(Delivery.id)
    )
    return [describe_delivery(delivery) for delivery in db.scalars(query)]


def _timeline(db: Session, story: Story) -> list[dict[str, Any]]:
    query = select(StoryEvent).where(StoryEvent.story_id == story.id).order_by(StoryEvent.id)
    return [{"stage": e.stage, "at": _iso(e.at), "detail": e.detail} for e in db.scalars(query)]
