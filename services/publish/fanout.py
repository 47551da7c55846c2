"""Turning a finished story version into one delivery per partner that should get it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import events, outbox, tasks
from shared.models import (
    Delivery,
    DeliveryState,
    Partner,
    Story,
    StoryState,
    StoryVersion,
    Translation,
    VersionKind,
)

PUBLISHED = "story.published"
UPDATED = "story.updated"
KILLED = "story.killed"


def fan_out(db: Session, story_version_id: int) -> int:
    """Create the version's deliveries and queue them; returns how many were new."""
    version = db.get(StoryVersion, story_version_id)
    if version is None:
        return 0
    story = version.story
    if version.kind == VersionKind.KILL:
        created = _plan_kill(db, story, version)
    else:
        translation = db.scalar(
            select(Translation).where(Translation.story_version_id == version.id)
        )
        if translation is None or not translation.publishable:
            return 0  # never publish what was not translated and cleared
        created = _plan_publication(db, story, version)
        story.move_to(StoryState.PUBLISHED)
    for delivery in created:
        outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery.id)
    if created:
        names = ", ".join(sorted(d.partner.name for d in created))
        events.record(db, story.id, "fanned_out", f"{len(created)} deliveries: {names}")
    return len(created)


def _plan_publication(db: Session, story: Story, version: StoryVersion) -> list[Delivery]:
    reached = _partners_reached(db, story)
    created = []
    for partner in db.scalars(select(Partner).where(Partner.enabled.is_(True))):
        event = UPDATED if partner.id in reached else PUBLISHED
        delivery = _new_delivery(db, partner, story, version, event)
        if delivery is not None:
            created.append(delivery)
    return created


def _plan_kill(db: Session, story: Story, version: StoryVersion) -> list[Delivery]:
    created = []
    for partner_id in _partners_reached(db, story):
        partner = db.get_one(Partner, partner_id)
        delivery = _new_delivery(db, partner, story, version, KILLED)
        if delivery is not None:
            created.append(delivery)
    return created


def _partners_reached(db: Session, story: Story) -> set[int]:
    """Partners that have (or are being sent) an earlier version of this story."""
    query = select(Delivery.partner_id).where(
        Delivery.story_id == story.id, Delivery.event != KILLED
    )
    return set(db.scalars(query))


def _new_delivery(
    db: Session, partner: Partner, story: Story, version: StoryVersion, event: str
) -> Delivery | None:
    exists = db.scalar(
        select(Delivery.id).where(
            Delivery.partner_id == partner.id, Delivery.story_version_id == version.id
        )
    )
    if exists is not None:
        return None  # this task ran before: the delivery is already on its way
    delivery = Delivery(
        partner=partner,
        story_id=story.id,
        story_version_id=version.id,
        event=event,
        state=DeliveryState.PENDING,
    )
    db.add(delivery)
    db.flush()
    return delivery
