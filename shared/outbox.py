"""The one way to enqueue work: an outbox row in the caller's transaction, sent after commit.

A task is published only once the change that made it necessary has committed, so a rolled-back
request never leaves a task behind; and a row whose publish failed (broker down) stays unsent
until the periodic relay (`RELAY_OUTBOX`) sends it, so a committed story is always queued.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from shared import db as database
from shared.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

_PENDING_KEY = "syndikat_outbox_pending"


def enqueue(db: Session, task_name: str, **kwargs: Any) -> OutboxMessage:
    message = OutboxMessage(task_name=task_name, kwargs=kwargs)
    db.add(message)
    db.flush()
    if _PENDING_KEY not in db.info:
        db.info[_PENDING_KEY] = []
        event.listen(db, "after_commit", _send_after_commit)
        event.listen(db, "after_rollback", _forget_after_rollback)
    db.info[_PENDING_KEY].append(message)
    return message


def _forget_after_rollback(db: Session) -> None:
    if not db.in_nested_transaction():
        db.info[_PENDING_KEY] = []


def _send_after_commit(db: Session) -> None:
    if db.in_nested_transaction():
        return  # a savepoint was released; the messages go when the whole transaction commits
    # A message added inside a savepoint that was rolled back never reached the database.
    messages = [m for m in db.info[_PENDING_KEY] if inspect(m).persistent]
    db.info[_PENDING_KEY] = []
    if _broker.seems_down():
        return  # the relay sends them once the broker answers again
    sent_ids = [m.id for m in messages if _publish(m.task_name, m.kwargs, m.id)]
    if sent_ids:
        _mark_sent(db, sent_ids)


class _BrokerWatch:
    """Remembers a failed publish for a while, so requests stop paying for a dead broker.

    Reaching an unreachable Redis costs seconds (the client's own connection retries); after one
    failure this process leaves publishing to the relay for `pause`, then tries again.
    """

    def __init__(self, pause: timedelta = timedelta(seconds=15)):
        self.pause = pause
        self.down_until: datetime | None = None

    def seems_down(self) -> bool:
        return self.down_until is not None and utcnow() < self.down_until

    def failed(self) -> None:
        self.down_until = utcnow() + self.pause

    def answered(self) -> None:
        self.down_until = None


_broker = _BrokerWatch()


def _publish(task_name: str, kwargs: dict[str, Any], message_id: int) -> bool:
    from shared.celery_app import celery_app

    try:
        # No retrying here: a request must not hang on a dead broker; the relay retries.
        celery_app.send_task(
            task_name,
            kwargs=kwargs,
            task_id=f"outbox-{message_id}",
            retry=False,
        )
    except Exception as exc:  # the broker is down or unreachable: the relay will try again
        log.warning("could not publish %s (outbox %s): %s", task_name, message_id, exc)
        _broker.failed()
        return False
    _broker.answered()
    return True


def _mark_sent(committed: Session, ids: list[int]) -> None:
    # The committed session cannot run SQL inside its own after_commit hook; a connection of
    # its own can. One Core statement: an ORM session would cost more than the update.
    with committed.get_bind().engine.begin() as connection:
        connection.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(sent_at=utcnow())
        )


#: Most messages one relay run sends (it runs every 5 s); a backlog goes out over several runs.
RELAY_BATCH = 500


def relay_unsent(
    db: Session, grace: timedelta = timedelta(seconds=3), limit: int = RELAY_BATCH
) -> int:
    """Publish messages still unsent after `grace`, the oldest first; returns how many went out."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at < utcnow() - grace)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if database.is_postgres(db):
        query = query.with_for_update(skip_locked=True)
    sent = 0
    for message in db.scalars(query):
        message.attempts += 1
        if _publish(message.task_name, message.kwargs, message.id):
            message.sent_at = utcnow()
            sent += 1
        else:
            message.last_error = "broker unavailable"
            break
    return sent
