"""The Celery app every worker and sender shares: broker, queues, routing, reliability settings."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import (
    beat_init,
    celeryd_after_setup,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
)
from kombu import Exchange, Queue

from shared import db, tasks
from shared import logging as syndikat_logging
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
        # A task that raised is acknowledged (Celery's default, stated because the DELIVER
        # task relies on it): it ends FAILURE in Flower and is not redelivered; only a worker
        # process that dies mid-task hands its message back (task_reject_on_worker_lost).
        task_acks_on_failure_or_timeout=True,
        # One message at a time per process: a translation can take seconds, and prefetched
        # messages would wait behind it instead of going to an idle worker.
        worker_prefetch_multiplier=1,
        # An unacknowledged message returns to the queue after this long; it must exceed the
        # longest task (see the time limits) or a slow task would run twice at once. The same
        # holds for countdowns: Redis re-delivers a scheduled message every visibility timeout
        # until it is due, so no task uses a long countdown or eta — delivery retries live in
        # the database (deliveries.next_attempt_at) and Celery retries back off for 30 s at most.
        broker_transport_options=_transport_options(settings),
        # Time limits well inside the visibility timeout: on the prefork pool (the ingest and
        # translate workers) a task is over (or killed) long before the broker would hand its
        # message to another worker. Celery does not enforce them on the threads pool the
        # publish worker runs on (a thread cannot be killed); there each partner request ends
        # by its own deadline (SYNDIKAT_DELIVERY_TIMEOUT in total, shared/http.py), and a
        # WordPress delivery's requests share a budget of twice that: a delivery task is
        # bounded by its requests, not by these limits.
        task_time_limit=_hard_time_limit(settings),
        task_soft_time_limit=int(_hard_time_limit(settings) * 0.8),
        # With late acks a lost broker connection would leave running tasks to finish while
        # their messages are redelivered elsewhere; cancel them instead.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # A worker that starts before Redis keeps trying instead of exiting.
        broker_connection_retry_on_startup=True,
        # Flower and `celery events` follow tasks through these events.
        worker_send_task_events=True,
        task_send_sent_event=True,
        beat_schedule=_beat_schedule(),
    )
    return app


def _hard_time_limit(settings: Settings) -> int:
    return max(settings.visibility_timeout_seconds // 2, 10)


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
        # Retention (services.retention): a bounded batch of each kind every ten minutes.
        "prune": {"task": tasks.PRUNE, "schedule": 600.0},
        # The broker can lose messages (a Redis crash before its append-only file caught up);
        # these sweeps find stories whose state says a task should be under way and queue it.
        "requeue-stalled-translations": {
            "task": tasks.REQUEUE_STALLED_TRANSLATIONS,
            "schedule": 30.0,
        },
        "requeue-stalled-publications": {
            "task": tasks.REQUEUE_STALLED_PUBLICATIONS,
            "schedule": 30.0,
        },
    }


@worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    db.dispose_engines()


# Logs: JSON lines like the web processes' (connecting setup_logging stops Celery from
# installing its own handlers), named after the queues a worker consumes, and every line a task
# logs carries the task, its ids and the story it works on.
#: Task arguments worth carrying on every log line of the task.
LOGGED_ARGUMENTS = ("story_version_id", "delivery_id", "story_id")


@setup_logging.connect
def _json_logs(loglevel: Any = None, **_: Any) -> None:
    syndikat_logging.configure_logging("worker", loglevel or None)


@celeryd_after_setup.connect
def _name_worker_logs(sender: str, instance: Any, **_: Any) -> None:
    queues = sorted(instance.app.amqp.queues.consume_from or ())
    syndikat_logging.configure_logging("+".join(queues) or "worker", instance.loglevel or None)


@beat_init.connect
def _name_scheduler_logs(**_: Any) -> None:
    # Renamed only: the level stays what `celery beat -l` asked for (setup_logging set it).
    syndikat_logging.configure_logging("scheduler", syndikat_logging.current_level())


@task_prerun.connect
def _bind_task_to_logs(task_id: str, task: Any, kwargs: dict | None = None, **_: Any) -> None:
    ids = {name: (kwargs or {}).get(name) for name in LOGGED_ARGUMENTS}
    task.request.syndikat_log_token = syndikat_logging.bind(task=task.name, task_id=task_id, **ids)


@task_postrun.connect
def _unbind_task_from_logs(task: Any, **_: Any) -> None:
    token = getattr(task.request, "syndikat_log_token", None)
    if token is not None:
        syndikat_logging.unbind(token)


celery_app = make_celery()
