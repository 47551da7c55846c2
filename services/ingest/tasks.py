"""The ingest worker's tasks."""

from __future__ import annotations

from celery import shared_task

from shared import db as database
from shared import outbox, tasks


@shared_task(name=tasks.RELAY_OUTBOX)
def relay_outbox() -> int:
    """Send what the after-commit hook could not, e.g. because Redis was down then."""
    with database.session() as db:
        return outbox.relay_unsent(db)
