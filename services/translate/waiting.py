"""Stories waiting for an engine: tried again with a doubling delay, and two timeline events.

A story that no engine could translate (no model installed, no key, a service down) waits in
`awaiting_engine`. The scheduler's `retry_waiting` queues the due ones; each try moves the next
one further out (SYNDIKAT_ENGINE_RETRY_FIRST_DELAY, doubling up to
SYNDIKAT_ENGINE_RETRY_MAX_DELAY), so a story that waits for weeks costs a try an hour, not a
try a minute. The timeline says when the wait began and when it ended, not every try between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shared import db as database
from shared import events, outbox, story_states, tasks
from shared.config import get_settings
from shared.events import Stage
from shared.models import Story, StoryState

#: Most stories one `retry_waiting` run queues; the rest are due still and go in the next runs.
RETRY_BATCH = 500


def delay_after(tries: int) -> timedelta:
    """How long after its `tries`-th try a waiting story is tried again."""
    settings = get_settings()
    seconds = settings.engine_retry_first_delay_seconds * 2 ** min(tries, 40)
    return timedelta(seconds=min(seconds, settings.engine_retry_max_delay_seconds))


def wait(
    db: Session, story: Story, version_id: int, reason: str, now: datetime, result: str
) -> bool:
    """Put `story` in `awaiting_engine` (unless `version_id` is superseded: returns False);
    only the start of a wait goes on the timeline."""
    if not story_states.move(db, story.id, version_id, StoryState.AWAITING_ENGINE, reason, result):
        return False
    if story.engine_retry_at is not None:
        return True  # a retry that failed again: `queue_due` has already set the next try
    story.engine_tries = 0
    story.engine_retry_at = now + delay_after(0)
    events.record(db, story.id, Stage.AWAITING_ENGINE, reason)
    return True


def end_wait(db: Session, story: Story) -> None:
    """The story's translation went on (an engine answered): say so once and forget the wait."""
    if story.engine_retry_at is None:
        return
    tries = story.engine_tries
    story.engine_retry_at = None
    story.engine_tries = 0
    events.record(db, story.id, Stage.RESUMED, f"an engine answered after {tries} retries")


def queue_due(db: Session, now: datetime, limit: int = RETRY_BATCH) -> list[int]:
    """Queue the translation of every waiting story whose next try has come; returns versions.

    The next try is scheduled in the same transaction, so a translate queue that is behind does
    not get the same story again a minute later.
    """
    query = (
        select(Story)
        .where(
            Story.state == StoryState.AWAITING_ENGINE,
            Story.current_version_id.is_not(None),
            # NULL: waiting since before retries were scheduled; due at once.
            or_(Story.engine_retry_at.is_(None), Story.engine_retry_at <= now),
        )
        .order_by(Story.engine_retry_at, Story.id)
        .limit(limit)
    )
    if database.is_postgres(db):
        query = query.with_for_update(skip_locked=True)
    queued = []
    for story in db.scalars(query):
        story.engine_tries += 1
        story.engine_retry_at = now + delay_after(story.engine_tries)
        outbox.enqueue(db, tasks.TRANSLATE_VERSION, story_version_id=story.current_version_id)
        queued.append(story.current_version_id)
    return [version_id for version_id in queued if version_id is not None]
