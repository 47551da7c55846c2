"""Finding stories whose translation task was lost, so they can be queued again.

A story that is `received` or `translating` is waiting for a TRANSLATE_VERSION task. If that
message was lost (a Redis crash before its append-only file was written, a worker killed with
a message the broker never re-delivers), nothing else would ever move the story on. The task
queued again always moves the story: it translates the current version, or, when that English
is stored already, moves the story on from it (`pipeline._settle`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import events, ninjs, outbox, tasks
from shared.events import Stage
from shared.models import Story, StoryState

WAITING_FOR_TRANSLATION = (StoryState.RECEIVED, StoryState.TRANSLATING)


# At most `limit` stories a run (the sweep runs every 30 s); the rest go in the next runs.
def requeue_stalled(db: Session, now: datetime, stall: timedelta, limit: int = 500) -> int:
    """Queue the translation of every story stuck for longer than `stall`; returns how many."""
    stuck = db.scalars(
        select(Story)
        .where(
            Story.state.in_(WAITING_FOR_TRANSLATION),
            Story.updated_at < now - stall,
            Story.current_version_id.is_not(None),
        )
        .order_by(Story.updated_at)
        .limit(limit)
    ).all()
    for story in stuck:
        # Touching the story restarts its stall clock: queued again once, not on every sweep.
        story.updated_at = now
        task, what = _lost_task(story)
        events.record(db, story.id, Stage.REQUEUED, f"no progress in {stall}: {what} queued again")
        outbox.enqueue(db, task, story_version_id=story.current_version_id)
    return len(stuck)


def _lost_task(story: Story) -> tuple[str, str]:
    """A received story whose pictures were never fetched lost its fetch_pictures task: it is
    queued again rather than translating the story past its pictures."""
    version = story.current_version
    unfetched = [
        picture
        for picture in ninjs.pictures(version.ninjs if version is not None else {})
        if ninjs.MEDIA not in picture and ninjs.MEDIA_ERROR not in picture
    ]
    if story.state == StoryState.RECEIVED and unfetched:
        return tasks.FETCH_PICTURES, "fetching its pictures"
    return tasks.TRANSLATE_VERSION, "translation"
