"""The ingest worker's tasks."""

from __future__ import annotations

from celery import shared_task

from services.ingest import pictures, polling, retention
from shared import db as database
from shared import outbox, tasks
from shared.models import utcnow


@shared_task(name=tasks.RELAY_OUTBOX)
def relay_outbox() -> int:
    """Send what the after-commit hook could not, e.g. because Redis was down then."""
    with database.session() as db:
        return outbox.relay_unsent(db)


@shared_task(name=tasks.PRUNE)
def prune() -> int:
    """Forget what retention lets go; at most `retention.PRUNE_BATCH` rows of each kind a run."""
    with database.session() as db:
        return sum(retention.prune_batch(db, utcnow(), retention.PRUNE_BATCH).values())


@shared_task(name=tasks.POLL_SOURCES)
def poll_sources() -> int:
    """Queue a poll of every feed and folder source whose interval has come round."""
    with database.session() as db:
        return len(polling.queue_due_sources(db, limit=polling.POLL_BATCH))


@shared_task(name=tasks.POLL_SOURCE)
def poll_source(source_id: int) -> str:
    """Read one feed or folder; a failure is written on the source, not raised to Celery."""
    return polling.poll_source(source_id)


@shared_task(name=tasks.FETCH_PICTURES)
def fetch_pictures(story_version_id: int) -> str:
    """Fetch, check and store a version's pictures; then translate it (or hold it)."""
    return pictures.fetch_pictures(story_version_id)
