"""The Celery app every worker and sender shares: broker, queues, routing, reliability settings."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from kombu import Exchange, Queue

from shared import db, tasks
from shared.config import Settings, get_settings


def _route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict:
    return {"queue": tasks.queue_for(name)} if name.startswith("syndikat.") else {}


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery("syndikat", broker=settings.redis_url)
    app.conf.update(
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in tasks.QUEUES],
        task_default_queue=tasks.INGEST_QUEUE,
        task_routes=(_route,),
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        timezone="UTC",
        # A task is acknowledged only after it ran, and a worker process that dies mid-task
        # hands the message back; together with idempotent tasks nothing is lost or doubled.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: a translation can take seconds, and prefetched
        # messages would wait behind it instead of going to an idle worker.
        worker_prefetch_multiplier=1,
        # An unacknowledged message returns to the queue after this long; it must exceed the
        # longest task (see the time limits) or a slow task would run twice at once.
        broker_transport_options=_transport_options(settings),
        task_time_limit=settings.visibility_timeout_seconds // 2,
        task_soft_time_limit=settings.visibility_timeout_seconds // 2 - 30,
        # With late acks a lost broker connection would leave running tasks to finish while
        # their messages are redelivered elsewhere; cancel them instead.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        # Flower and `celery events` follow tasks through these events.
        worker_send_task_events=True,
        task_send_sent_event=True,
        beat_schedule=_beat_schedule(),
    )
    return app


def _transport_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"visibility_timeout": settings.visibility_timeout_seconds}
    if settings.redis_key_prefix:
        options["global_keyprefix"] = settings.redis_key_prefix
    return options


def _beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        "relay-outbox": {"task": tasks.RELAY_OUTBOX, "schedule": 5.0},
        "poll-sources": {"task": tasks.POLL_SOURCES, "schedule": 15.0},
        "retry-waiting-translations": {"task": tasks.RETRY_WAITING_TRANSLATIONS, "schedule": 60.0},
        "sweep-deliveries": {"task": tasks.SWEEP_DELIVERIES, "schedule": 5.0},
    }


@worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    db.dispose_engines()


celery_app = make_celery()
