"""Finding stories whose fan-out was lost, so they can be queued again.

A `ready` story whose current version is translated and cleared (or approved) waits for a
FAN_OUT task, and so does a `killed` story whose withdrawal has not reached every partner that
received it. If that message was lost, nothing else would send the story (or the kill) out.
Only stories that fan-out will move on are picked (it moves a ready story to published, and
creates the missing kills), so none is queued again and again. Deliveries that exist are not
this module's concern: they live in the database and the delivery sweep sends them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from shared import events, outbox, tasks
from shared.events import Stage
from shared.models import Delivery, DeliveryEvent, DeliveryState, Story, StoryState, Translation
from shared.models.translations import PUBLISHABLE

#: Kills older than this are not looked at again: a sweep must stay cheap with years of stories.
KILL_HORIZON = timedelta(days=7)


# At most `limit` stories a run (the sweep runs every 30 s); the rest go in the next runs.
def requeue_stalled(db: Session, now: datetime, stall: timedelta, limit: int = 500) -> int:
    """Queue the fan-out of every story stuck for longer than `stall`; returns how many."""
    stuck = db.scalars(
        select(Story)
        .where(
            Story.updated_at < now - stall,
            Story.current_version_id.is_not(None),
            or_(
                (Story.state == StoryState.READY) & _current_version_cleared(),
                (Story.state == StoryState.KILLED)
                & (Story.updated_at > now - KILL_HORIZON)
                & _kill_missing(),
            ),
        )
        .order_by(Story.updated_at)
        .limit(limit)
    ).all()
    for story in stuck:
        story.updated_at = now  # queued again once per stall period, not on every sweep
        events.record(db, story.id, Stage.REQUEUED, f"no progress in {stall}: fan-out queued again")
        outbox.enqueue(db, tasks.FAN_OUT, story_version_id=story.current_version_id)
    return len(stuck)


def _current_version_cleared() -> object:
    """The current version has English that may go out (a superseded one's does not count)."""
    return exists().where(
        Translation.story_version_id == Story.current_version_id,
        Translation.status.in_(PUBLISHABLE),
    )


def _kill_missing() -> object:
    """A partner received the story and no kill was made for it since (as fan-out sees it: a
    partner that got the story only before an earlier kill gets no second one)."""
    received = aliased(Delivery)
    kill = aliased(Delivery)
    return exists().where(
        received.story_id == Story.id,
        received.event != DeliveryEvent.KILLED,
        received.state == DeliveryState.DELIVERED,
        ~exists().where(
            and_(
                kill.story_id == Story.id,
                kill.partner_id == received.partner_id,
                kill.event == DeliveryEvent.KILLED,
                kill.id > received.id,
            )
        ),
    )
