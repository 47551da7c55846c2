"""The translate worker's tasks. They take ids, never ORM objects, and are safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy.exc import OperationalError

from services.translate import pipeline, reconcile, waiting
from shared import db as database
from shared import tasks
from shared.config import get_settings
from shared.models import utcnow


@shared_task(
    name=tasks.TRANSLATE_VERSION,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=30,  # short countdowns only: see shared.celery_app
    max_retries=10,
)
def translate_version(story_version_id: int) -> str:
    return pipeline.translate_version(story_version_id)


@shared_task(name=tasks.RETRY_WAITING_TRANSLATIONS)
def retry_waiting() -> int:
    """Give waiting stories whose next try has come another go; the engine may be back.

    At most `waiting.RETRY_BATCH` a run; each one's next try backs off (see `waiting`).
    """
    with database.session() as db:
        return len(waiting.queue_due(db, utcnow(), waiting.RETRY_BATCH))


@shared_task(name=tasks.REQUEUE_STALLED_TRANSLATIONS)
def requeue_stalled() -> int:
    """Queue again the translations whose task was lost (see `reconcile`)."""
    stall = timedelta(seconds=get_settings().stall_seconds)
    with database.session() as db:
        return reconcile.requeue_stalled(db, utcnow(), stall)
