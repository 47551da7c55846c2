"""The ingest worker's tasks."""

from __future__ import annotations

import logging

from celery import shared_task

from services.ingest import polling, source_health
from shared import db as database
from shared import outbox, tasks
from shared.models import Source

log = logging.getLogger(__name__)


@shared_task(name=tasks.RELAY_OUTBOX)
def relay_outbox() -> int:
    """Send what the after-commit hook could not, e.g. because Redis was down then."""
    with database.session() as db:
        return outbox.relay_unsent(db)


@shared_task(name=tasks.POLL_SOURCES)
def poll_sources() -> int:
    """Queue a poll of every feed and folder source whose interval has come round."""
    with database.session() as db:
        return len(polling.queue_due_sources(db))


@shared_task(name=tasks.POLL_SOURCE)
def poll_source(source_id: int) -> str:
    """Read one feed or folder. A failure is written on the source, never raised to Celery."""
    try:
        return polling.poll_source(source_id)
    except Exception as exc:  # whatever broke, the source's status must say so
        log.exception("polling source %s failed", source_id)
        with database.session() as db:
            source = db.get(Source, source_id)
            if source is not None:
                source_health.mark_failure(db, source, f"poll failed: {exc}")
        return f"failed: {exc}"
