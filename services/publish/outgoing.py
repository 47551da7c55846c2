"""What each claimed delivery sends, read for a whole batch in a few queries.

A fan-out claims many deliveries of one story at once; reading their partners, the story, its
English rendering and earlier remote ids per delivery would cost a dozen queries each.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.publish import methods, payload, pictures
from shared import ninjs
from shared.models import Delivery, DeliveryEvent, Media, Story, StoryVersion, Translation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sending:
    """A claimed delivery ready to go: its method and what to send, or why it cannot go."""

    method: methods.DeliveryMethod | None = None
    outgoing: methods.Outgoing | None = None
    failure: methods.Outcome | None = None


def prepare(db: Session, delivery_ids: list[int], now: datetime) -> dict[int, Sending]:
    deliveries = with_partners(db, delivery_ids)
    batch = _Batch.load(db, deliveries)
    return {d.id: _sending(batch, d, now) for d in deliveries}


def with_partners(db: Session, delivery_ids: Any) -> list[Delivery]:
    """The deliveries and their partners, in two queries, in id order."""
    query = (
        select(Delivery)
        .where(Delivery.id.in_(delivery_ids))
        .options(selectinload(Delivery.partner))
        .order_by(Delivery.id)
    )
    return list(db.scalars(query))


@dataclass(frozen=True)
class _Batch:
    stories: dict[uuid.UUID, Story]
    english: dict[int, dict[str, Any]]  # story version id → the English story
    versions: dict[int, str]  # story version id → the wire's version
    embargoes: dict[int, datetime | None]  # story version id → its embargo
    remote_ids: dict[tuple[int, uuid.UUID], str]  # (partner, story) → the latest remote id
    storage_keys: dict[str, str]  # a fetched picture's sha256 → its key in the media store

    @classmethod
    def load(cls, db: Session, deliveries: Any) -> _Batch:
        story_ids = {d.story_id for d in deliveries}
        version_ids = {d.story_version_id for d in deliveries}
        stories = db.scalars(
            select(Story).where(Story.id.in_(story_ids)).options(selectinload(Story.source))
        )
        english = db.execute(
            select(Translation.story_version_id, Translation.ninjs).where(
                Translation.story_version_id.in_(version_ids)
            )
        )
        versions = db.execute(
            select(StoryVersion.id, StoryVersion.version, StoryVersion.ninjs).where(
                StoryVersion.id.in_(version_ids)
            )
        ).all()
        remote = db.execute(
            select(Delivery.partner_id, Delivery.story_id, Delivery.remote_id)
            .where(Delivery.story_id.in_(story_ids), Delivery.remote_id.is_not(None))
            .order_by(Delivery.id)
        )
        english_docs = {version_id: doc for version_id, doc in english}
        hashes = {p.sha256 for doc in english_docs.values() for p in pictures.stored_pictures(doc)}
        media = db.execute(
            select(Media.sha256, Media.storage_key).where(Media.sha256.in_(hashes))
        ).all()
        return cls(
            stories={story.id: story for story in stories},
            english=english_docs,
            versions={version_id: version for version_id, version, _ in versions},
            embargoes={version_id: ninjs.embargoed(doc) for version_id, _, doc in versions},
            # Later rows win: the remote id from the latest delivery that got one.
            remote_ids={(p, s): remote_id for p, s, remote_id in remote if remote_id},
            storage_keys={sha256: key for sha256, key in media},
        )


def _sending(batch: _Batch, delivery: Delivery, now: datetime) -> Sending:
    try:
        method = methods.method_for(delivery.partner.method)
        return Sending(method, _outgoing(batch, delivery, now))
    except Exception as exc:  # e.g. an unknown method or an unreadable secret: record it
        log.exception("delivery %s cannot be prepared", delivery.id)
        return Sending(failure=methods.Outcome(None, f"{type(exc).__name__}: {exc}"))


def _outgoing(batch: _Batch, delivery: Delivery, now: datetime) -> methods.Outgoing:
    partner = delivery.partner
    story = batch.stories[delivery.story_id]
    if delivery.event == DeliveryEvent.KILLED:
        version = batch.versions[delivery.story_version_id]
        data = payload.killed_story(story.uri, version, story.source, partner)
    else:
        data = payload.partner_story(
            batch.english[delivery.story_version_id],
            story.source,
            partner,
            issued_at=delivery.created_at,
        )
    secrets = partner.signing_secrets(now)
    embargo = batch.embargoes.get(delivery.story_version_id)
    return methods.Outgoing(
        event=DeliveryEvent(delivery.event),
        webhook_id=delivery.webhook_id,
        occurred_at=delivery.created_at,
        endpoint=partner.endpoint or "",
        secret=secrets[0] if secrets else None,
        previous_secret=secrets[1] if len(secrets) > 1 else None,
        credentials=partner.credentials_dict(),
        story=data,
        remote_id=batch.remote_ids.get((delivery.partner_id, delivery.story_id)),
        story_id=str(delivery.story_id),
        honours_embargoes=partner.honours_embargoes,
        embargoed_until=embargo if embargo is not None and embargo > now else None,
        pictures=_pictures(batch, delivery),
    )


def _pictures(batch: _Batch, delivery: Delivery) -> tuple[pictures.Picture, ...]:
    if delivery.event == DeliveryEvent.KILLED:
        return ()
    return tuple(
        dataclasses.replace(picture, storage_key=batch.storage_keys.get(picture.sha256, ""))
        for picture in pictures.stored_pictures(batch.english[delivery.story_version_id])
    )
