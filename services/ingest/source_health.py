"""Writing down how a source is doing: polls that worked or failed, and items that were refused.

A failing source is never disabled here: it keeps being polled, and its status says what is
wrong (see `source_status`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import IngestError, Source, utcnow

log = logging.getLogger(__name__)

#: The longest reason kept; a parser can quote half a document in its message.
MAX_REASON_CHARS = 2000
#: `item_ref` for problems with a whole feed or folder rather than one item in it.
WHOLE_SOURCE = "(feed)"


def mark_success(source: Source) -> None:
    now = utcnow()
    source.last_attempt_at = now
    source.last_success_at = now
    source.failures_in_row = 0


def mark_failure(db: Session, source: Source, reason: str) -> None:
    now = utcnow()
    source.last_attempt_at = now
    source.last_error = reason[:MAX_REASON_CHARS]
    source.last_error_at = now
    source.failures_in_row += 1
    record_item_error(db, source.id, WHOLE_SOURCE, reason)
    log.warning("source %s failed: %s", source.name, reason)


def record_item_error(db: Session, source_id: int, item_ref: str, reason: str) -> IngestError:
    """Record that `item_ref` was refused; the same refusal again counts up its occurrences."""
    item_ref, reason = item_ref[:1000], reason[:MAX_REASON_CHARS]
    existing = db.scalar(
        select(IngestError).where(
            IngestError.source_id == source_id,
            IngestError.item_ref == item_ref,
            IngestError.reason == reason,
        )
    )
    if existing is not None:
        existing.occurrences += 1
        existing.last_seen_at = utcnow()
        return existing
    error = IngestError(source_id=source_id, item_ref=item_ref, reason=reason)
    db.add(error)
    log.info("refused %s from source %s: %s", item_ref, source_id, reason)
    return error


def recent_errors(db: Session, source_id: int, limit: int) -> list[IngestError]:
    query = (
        select(IngestError)
        .where(IngestError.source_id == source_id)
        .order_by(IngestError.last_seen_at.desc(), IngestError.id.desc())
        .limit(limit)
    )
    return list(db.scalars(query))
