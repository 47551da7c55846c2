"""Embargoes: no version goes out before its ninjs `embargoed` time, unless the partner keeps
embargoes itself.

- Fan-out creates the delivery of an embargoed version to a partner that does not honour
  embargoes *held*: `held_until` is the embargo, and nothing makes it sendable before then (a
  replay, a partner enabled again, a retry-after: see `services.publish.delivery.sendable`). A
  pull-feed partner's held delivery enters its feed when it is "sent", at the embargo.
- A held delivery goes out only while its version is the story's current one: an update that
  moves the embargo later replaces it (fan-out cancels it), even when that update is still
  being translated as the old embargo passes.
- A partner that honours embargoes gets the version at once, `embargoed` kept; a WordPress one
  gets a scheduled post (`services.publish.methods.wordpress`).
- The story is `embargoed` meanwhile; the delivery sweep moves it to `published` once the
  embargo has passed (`release_due`), when its held deliveries become due too.
- An embargo in the past holds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from services.publish import methods
from shared import events, ninjs, story_states
from shared.events import Stage
from shared.models import Delivery, Partner, Story, StoryState, StoryVersion

S = StoryState


def pending(version: StoryVersion | None, now: datetime) -> datetime | None:
    """The version's embargo if it is still ahead of `now`."""
    embargo = ninjs.embargoed(version.ninjs) if version is not None else None
    return embargo if embargo is not None and embargo > now else None


def hold_for(partner: Partner, embargo: datetime | None, now: datetime) -> datetime | None:
    """Until when `partner`'s delivery of a version under `embargo` is held, if at all.

    A partner that honours embargoes is held only when its method cannot schedule that close
    ahead (WordPress publishes at once a post scheduled less than a minute ahead).
    """
    if embargo is None:
        return None
    method = methods.METHODS.get(partner.method)
    lead = getattr(method, "schedules_ahead", timedelta(0))
    return None if partner.honours_embargoes and embargo - now >= lead else embargo


def until(embargo: datetime) -> str:
    return f"embargoed until {_iso(embargo)}"


def sendable(now: datetime) -> Any:
    """The SQL condition a delivery meets when no embargo holds it at `now`."""
    version_is_current = exists().where(
        Story.id == Delivery.story_id, Story.current_version_id == Delivery.story_version_id
    )
    released = (Delivery.held_until <= now) & ((Delivery.attempts > 0) | version_is_current)
    return Delivery.held_until.is_(None) | released


def mark_story(
    db: Session, story: Story, version: StoryVersion, now: datetime
) -> tuple[bool, datetime | None]:
    """Move a story whose `version` goes out now to `embargoed` or `published`.

    Returns whether the version is cleared to go out (False: the story moved on, or is held or
    back in review) and the embargo that holds it, if any. The timeline shows an embargo set,
    moved or lifted; a fan-out run twice finds the story moved already and records nothing.
    """
    embargo = pending(version, now)
    to, detail = (S.PUBLISHED, None) if embargo is None else (S.EMBARGOED, until(embargo))
    result = f"fan-out of version {version.version}"
    if not story_states.move(db, story.id, version.id, to, detail, result=result):
        return (story.state, story.current_version_id) == (to, version.id), embargo
    before = pending(_version_before(story, version), now)
    if embargo is None:
        if before is not None:
            events.record(
                db,
                story.id,
                Stage.EMBARGO_LIFTED,
                f"version {version.version} has no embargo ahead",
            )
    else:
        moved = f" (moved from {_iso(before)})" if before not in (None, embargo) else ""
        events.record(
            db, story.id, Stage.EMBARGOED, f"version {version.version} {until(embargo)}{moved}"
        )
    return True, embargo


def _iso(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when is not None else ""


def _version_before(story: Story, version: StoryVersion) -> StoryVersion | None:
    earlier = [v for v in story.versions if v.id < version.id]
    return earlier[-1] if earlier else None


def release_due(db: Session, now: datetime) -> int:
    """Move every embargoed story whose embargo has passed to `published`; returns how many.

    Their held deliveries need nothing: they are due at the embargo, and the sweep sends them.
    """
    stories = db.scalars(
        select(Story)
        .where(Story.state == StoryState.EMBARGOED)
        .options(selectinload(Story.current_version))
    ).all()
    released = [story for story in stories if pending(story.current_version, now) is None]
    moved = 0
    for story in released:
        version = story.current_version
        embargo = ninjs.embargoed(version.ninjs) if version is not None else None
        if version is None or not story_states.move(
            db, story.id, version.id, S.PUBLISHED, result="embargo release"
        ):
            continue
        events.record(
            db,
            story.id,
            Stage.EMBARGO_LIFTED,
            f"released: the embargo ({_iso(embargo)}) has passed",
        )
        moved += 1
    return moved
