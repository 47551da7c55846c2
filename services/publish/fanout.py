"""Turning a story version into one delivery per partner that should get it.

- A new story goes to every enabled partner whose filters it matches (`story.published`).
- An update goes to every partner that was given the story — as `story.updated` once something
  was sent to it — and to partners it newly matches (`story.published`).
- A kill goes only to partners something was sent to (`story.killed`).
- "Something was sent" means a request may have reached the partner: a delivery delivered or
  attempted at least once, whatever came back, even if a newer version canceled it later (its
  answer may have been lost while the partner published it).
- A delivery of an older version that has not gone out yet is canceled: the newer version (or
  the kill) replaces it, so a partner that was down gets only the latest.
- Pull-feed partners get their deliveries recorded as available in their feed.
- A version under an embargo is held for partners that do not honour embargoes (see
  `services.publish.embargo`).

Order per partner holds because a delivery is not sent while an earlier one of the same story
to the same partner is still on its way (see `services.publish.delivery`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, load_only

from services.publish import embargo, filters, methods
from shared import events
from shared.events import Stage
from shared.models import (
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Partner,
    Story,
    StoryVersion,
    Translation,
    VersionKind,
    utcnow,
)

_PLANNING_COLUMNS = (
    Partner.id,
    Partner.name,
    Partner.method,
    Partner.enabled,
    Partner.filters,
    Partner.honours_embargoes,
)


def fan_out(db: Session, story_version_id: int) -> int:
    """Create the version's deliveries; returns how many were new (safe to run twice)."""
    version = db.get(StoryVersion, story_version_id)
    if version is None:
        return 0
    story = version.story
    candidate = None
    embargoed_until = None  # a kill is never held
    if version.kind != VersionKind.KILL:
        if story.current_version_id != version.id:
            return 0  # a newer version (or a kill) arrived meanwhile: that one goes out instead
        translation = db.scalar(
            select(Translation).where(Translation.story_version_id == version.id)
        )
        if translation is None or not translation.publishable:
            return 0  # never publish what was not translated and cleared
        candidate = filters.Candidate(
            source=story.source.name,
            language=version.language,
            documents=(version.ninjs, translation.ninjs),
        )
        cleared, embargoed_until = embargo.mark_story(db, story, version, utcnow())
        if not cleared:
            return 0  # not cleared for publishing (held, killed, or back in review)
    created = [
        _new_delivery(
            db, partner, story, version, event, embargo.hold_for(partner, embargoed_until, utcnow())
        )
        for partner, event in _events_per_partner(db, story, version, candidate)
    ]
    db.flush()  # one batch of inserts, and the new deliveries get their ids
    if created:
        names = ", ".join(
            sorted(d.partner.name + (" (held)" if d.held_until else "") for d in created)
        )
        events.record(db, story.id, Stage.FANNED_OUT, f"{len(created)} deliveries: {names}")
    return len(created)


def _events_per_partner(
    db: Session, story: Story, version: StoryVersion, candidate: filters.Candidate | None
) -> list[tuple[Partner, DeliveryEvent]]:
    """Which partner gets which event for `version` (a kill when `candidate` is None)."""
    planned = []
    earlier = _deliveries_by_partner(db, story)
    # Secrets and credentials stay unread (and undecrypted): planning does not need them.
    everyone = select(Partner).options(load_only(*_PLANNING_COLUMNS)).order_by(Partner.id)
    for partner in db.scalars(everyone):
        prior = _since_last_kill(earlier.get(partner.id, []))
        if any(d.story_version_id == version.id for d in prior):
            continue  # this ran before: the delivery is already on its way
        sent = _something_was_sent(prior)
        in_flight = _cancel_pending(db, prior, f"replaced by version {version.version}")
        reached = sent or in_flight
        if candidate is None:
            event = DeliveryEvent.KILLED if reached else None
        elif prior:
            event = (
                DeliveryEvent.UPDATED if reached else DeliveryEvent.PUBLISHED
            )  # it was given the story: every version
        elif partner.enabled and filters.matches(partner.filters, candidate):
            event = DeliveryEvent.PUBLISHED
        else:
            event = None
        if event is not None:
            planned.append((partner, event))
    return planned


def _deliveries_by_partner(db: Session, story: Story) -> dict[int, list[Delivery]]:
    found: dict[int, list[Delivery]] = {}
    query = select(Delivery).where(Delivery.story_id == story.id).order_by(Delivery.id)
    for delivery in db.scalars(query):
        found.setdefault(delivery.partner_id, []).append(delivery)
    return found


def _since_last_kill(deliveries: list[Delivery]) -> list[Delivery]:
    """A partner's deliveries of a story since it was last killed (a story can return).

    A canceled delivery counts only if it was attempted: its request may have reached the
    partner, so the partner may have the story. One canceled before any attempt never left.
    """
    prior: list[Delivery] = []
    for delivery in deliveries:
        prior = [] if delivery.event == DeliveryEvent.KILLED else prior
        never_left = delivery.state == DeliveryState.CANCELED and delivery.attempts == 0
        if delivery.event != DeliveryEvent.KILLED and not never_left:
            prior.append(delivery)
    return prior


def _something_was_sent(prior: list[Delivery]) -> bool:
    """Whether the partner may hold the story: delivered, or at least tried (a timeout may
    have reached it)."""
    return any(d.state == DeliveryState.DELIVERED or d.attempts > 0 for d in prior)


def _cancel_pending(db: Session, prior: list[Delivery], reason: str) -> bool:
    """Cancel the deliveries not yet sent; True if one is being sent right now."""
    pending = [d.id for d in prior if d.state == DeliveryState.PENDING]
    if pending:
        db.execute(
            update(Delivery)
            .where(Delivery.id.in_(pending), Delivery.state == DeliveryState.PENDING)
            .values(state=DeliveryState.CANCELED, next_attempt_at=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        for delivery in prior:
            db.refresh(delivery)
    return any(d.state == DeliveryState.SENDING for d in prior)


def _new_delivery(
    db: Session,
    partner: Partner,
    story: Story,
    version: StoryVersion,
    event: str,
    held_until: datetime | None,
) -> Delivery:
    delivery = Delivery(
        partner=partner,
        story_id=story.id,
        story_version_id=version.id,
        event=event,
        state=DeliveryState.PENDING,
    )
    if held_until is not None:
        # Due at the embargo, not before; a feed partner's enters its feed when it is "sent".
        delivery.held_until = delivery.next_attempt_at = held_until
    elif methods.is_pull(partner.method):
        # Nothing to send: the version is in the partner's feed from now on.
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = utcnow()
        delivery.next_attempt_at = None
    db.add(delivery)
    return delivery
