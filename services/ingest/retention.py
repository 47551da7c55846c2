"""Retention: what Syndikat forgets, and when, so a database that runs for months stays flat.

Four kinds of rows pile up with every story and are not needed for ever; each has its own
setting (days, see shared.config). The audit trail is kept longest:

- sent outbox messages (SYNDIKAT_RETAIN_SENT_OUTBOX_DAYS, 7): the task went to the broker;
  unsent ones are never removed;
- delivery attempts (SYNDIKAT_RETAIN_DELIVERY_ATTEMPTS_DAYS, 90): the delivery itself stays,
  with its state, attempt count and last error; the attempts removed are added to
  `pruned_attempt_counts` per partner and outcome, so /metrics' attempt counters never go down;
- timeline events of finished stories (SYNDIKAT_RETAIN_TIMELINE_DAYS, 180): events older than
  that of stories published or killed and not changed since; a story still moving keeps all;
- superseded story versions (SYNDIKAT_RETAIN_OLD_VERSIONS_DAYS, 30): never a story's current
  version, nor one a delivery or a translation refers to (both would go with it: their foreign
  keys cascade), so only versions replaced before they were translated or sent.

The scheduler prunes at most `PRUNE_BATCH` rows of each kind per run (and looks at old
versions only within a week after their time is up); `syndikat db prune` runs batches until
nothing is left (`--dry-run` only counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared import db as database
from shared.config import Settings, get_settings
from shared.models import (
    Delivery,
    DeliveryAttempt,
    OutboxMessage,
    PrunedAttemptCount,
    Story,
    StoryEvent,
    StoryState,
    StoryVersion,
    Translation,
    utcnow,
)

#: Most rows of each kind one scheduled run deletes (it runs every few minutes): one run stays
#: a short transaction however far behind it is; a backlog goes over several runs.
PRUNE_BATCH = 5000

FINISHED = (StoryState.PUBLISHED, StoryState.KILLED)


@dataclass(frozen=True)
class Kind:
    """One kind of row retention removes: its table, and which of its rows are due at `now`."""

    name: str
    model: Any
    days: Callable[[Settings], float]
    due: Callable[[datetime], ColumnElement[bool]]
    #: When finding the due rows means looking at every old row (not an index range of due
    #: ones), the scheduled run looks only at rows that came of age within this window, which
    #: it passes over hundreds of times; `syndikat db prune` looks at all.
    scan_window: tuple[Any, timedelta] | None = None
    #: Columns of each removed row to hand to `keep_count`, which records what was removed
    #: in the deleting transaction (DELETE … RETURNING: exactly the rows this run removed).
    counted: tuple[Any, ...] = ()
    keep_count: Callable[[Session, list[tuple[Any, ...]]], None] | None = None

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days(get_settings()))

    def condition(self, now: datetime, everything: bool = True) -> ColumnElement[bool]:
        cutoff = self.cutoff(now)
        if everything or self.scan_window is None:
            return self.due(cutoff)
        column, window = self.scan_window
        return self.due(cutoff) & (column >= cutoff - window)


def _sent_outbox(cutoff: datetime) -> ColumnElement[bool]:
    return OutboxMessage.sent_at.is_not(None) & (OutboxMessage.sent_at < cutoff)


def _delivery_attempts(cutoff: datetime) -> ColumnElement[bool]:
    return DeliveryAttempt.started_at < cutoff


def _count_pruned_attempts(db: Session, removed: list[tuple[Any, ...]]) -> None:
    """Add removed attempts (delivery id, succeeded) to their partner's pruned counts."""
    partner_of = dict(
        db.execute(
            select(Delivery.id, Delivery.partner_id).where(
                Delivery.id.in_({delivery_id for delivery_id, _ in removed})
            )
        ).all()
    )
    counts: dict[tuple[int, bool], int] = {}
    for delivery_id, succeeded in removed:
        key = (partner_of[delivery_id], bool(succeeded))
        counts[key] = counts.get(key, 0) + 1
    dialect = postgresql if database.is_postgres(db) else sqlite
    for (partner_id, succeeded), count in counts.items():
        statement = dialect.insert(PrunedAttemptCount).values(
            partner_id=partner_id, succeeded=succeeded, attempts=count
        )
        db.execute(
            statement.on_conflict_do_update(
                index_elements=["partner_id", "succeeded"],
                set_={"attempts": PrunedAttemptCount.attempts + count},
            )
        )


def _timeline_of_finished_stories(cutoff: datetime) -> ColumnElement[bool]:
    finished_long_ago = exists().where(
        Story.id == StoryEvent.story_id, Story.state.in_(FINISHED), Story.updated_at < cutoff
    )
    return (StoryEvent.at < cutoff) & finished_long_ago


def _superseded_versions(cutoff: datetime) -> ColumnElement[bool]:
    # By the story's key: stories.current_version_id has no index of its own.
    current = exists().where(
        Story.id == StoryVersion.story_id, Story.current_version_id == StoryVersion.id
    )
    delivered = exists().where(Delivery.story_version_id == StoryVersion.id)
    translated = exists().where(Translation.story_version_id == StoryVersion.id)
    return (StoryVersion.received_at < cutoff) & ~current & ~delivered & ~translated


KINDS = (
    Kind("sent outbox messages", OutboxMessage, lambda s: s.retain_sent_outbox_days, _sent_outbox),
    Kind(
        "delivery attempts",
        DeliveryAttempt,
        lambda s: s.retain_delivery_attempts_days,
        _delivery_attempts,
        counted=(DeliveryAttempt.delivery_id, DeliveryAttempt.succeeded),
        keep_count=_count_pruned_attempts,
    ),
    Kind(
        "timeline events of finished stories",
        StoryEvent,
        lambda s: s.retain_timeline_days,
        _timeline_of_finished_stories,
    ),
    Kind(
        "superseded story versions",
        StoryVersion,
        lambda s: s.retain_old_versions_days,
        _superseded_versions,
        # Nearly every old version is kept (current, translated, delivered), so the due ones
        # are no index range. A version is superseded untranslated within minutes of arriving.
        scan_window=(StoryVersion.received_at, timedelta(days=7)),
    ),
)


def due_counts(db: Session, now: datetime) -> dict[str, int]:
    """How many rows of each kind retention would remove at `now` (nothing is changed)."""
    return {
        kind.name: db.scalar(
            select(func.count()).select_from(kind.model).where(kind.condition(now))
        )
        or 0
        for kind in KINDS
    }


def prune_batch(
    db: Session, now: datetime, limit: int = PRUNE_BATCH, everything: bool = False
) -> dict[str, int]:
    """Remove up to `limit` due rows of each kind in `db`'s transaction; returns the counts.

    The scheduled run looks only inside each kind's scan window; `everything` looks at all.
    """
    removed = {}
    for kind in KINDS:
        batch = select(kind.model.id).where(kind.condition(now, everything)).limit(limit)
        statement = (
            delete(kind.model)
            .where(kind.model.id.in_(batch.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        if kind.keep_count is None:
            result = db.execute(statement)
            removed[kind.name] = result.rowcount  # type: ignore[attr-defined]  # a CursorResult
            continue
        rows = [tuple(row) for row in db.execute(statement.returning(*kind.counted))]
        if rows:
            kind.keep_count(db, rows)
        removed[kind.name] = len(rows)
    return removed


def prune_everything_due(now: datetime | None = None, limit: int = PRUNE_BATCH) -> dict[str, int]:
    """Prune batch after batch, each its own short transaction, until nothing is due."""
    now = now or utcnow()
    total = dict.fromkeys((kind.name for kind in KINDS), 0)
    while True:
        with database.session() as db:
            removed = prune_batch(db, now, limit, everything=True)
        for name, count in removed.items():
            total[name] += count
        if not any(count >= limit for count in removed.values()):
            return total
