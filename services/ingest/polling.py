"""Polling on each source's own schedule: the scheduler queues one poll task per due source.

`queue_due_sources` runs every few seconds (beat) and moves each due source's `next_poll_at` on
by its interval in the same transaction as it queues the poll, so a source is never queued
twice for one turn; one slow feed then holds up only its own task.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.ingest import source_health
from services.ingest.feeds.poll import poll_feed
from services.ingest.folders import scan_folder
from shared import db as database
from shared import outbox, tasks
from shared.models import FOLDER_KINDS, Source, SourceKind, utcnow

log = logging.getLogger(__name__)


#: Most sources one `poll_sources` run queues; the others are due still and go in the next run.
POLL_BATCH = 200


def queue_due_sources(
    db: Session, now: datetime | None = None, limit: int = POLL_BATCH
) -> list[str]:
    now = now or utcnow()
    query = select(Source).where(
        Source.enabled.is_(True),
        or_(
            and_(Source.kind == SourceKind.RSS, Source.url.is_not(None)),
            and_(Source.kind.in_(FOLDER_KINDS), Source.folder.is_not(None)),
        ),
        or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now),
    )
    if database.is_postgres(db):
        query = query.with_for_update(skip_locked=True)
    queued = []
    for source in db.scalars(query.order_by(Source.next_poll_at, Source.id).limit(limit)):
        source.next_poll_at = now + timedelta(seconds=source.poll_interval_seconds)
        outbox.enqueue(db, tasks.POLL_SOURCE, source_id=source.id)
        queued.append(source.name)
    return queued


def poll_source(source_id: int) -> str:
    """Poll one source now, whatever its schedule; returns a one-line summary.

    A failure is written on the source (its status shows it), never raised.
    """
    try:
        return _poll(source_id)
    except Exception as exc:  # whatever broke, the source's status must say so
        log.exception("polling source %s failed", source_id)
        with database.session() as db:
            source = db.get(Source, source_id)
            if source is not None:
                source_health.mark_failure(db, source, f"poll failed: {exc}")
        return f"failed: {exc}"


def _poll(source_id: int) -> str:
    with database.session() as db:
        source = db.get(Source, source_id)
        if source is None:
            return f"no source {source_id}"
        if not source.enabled:
            return f"{source.name}: disabled"
        if not source.polled:
            return f"{source.name}: a {source.kind} source without feed or folder: nothing to poll"
        kind = source.kind
    if kind == SourceKind.RSS:
        return poll_feed(source_id).summary()
    return scan_folder(source_id).summary()
