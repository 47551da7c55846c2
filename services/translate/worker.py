"""Entry point of the translate worker:
`celery -A services.translate.worker worker -Q translate --pool threads -c 16`.

Threads, not prefork: every thread uses the process's one copy of the model, and the stories
the threads work on at the same time share batched model calls (`services.translate.batching`).
Prefork works too, with a model per process and no batching across processes."""

from typing import Any

from celery.signals import worker_init

from services.translate import (
    qa,
    tasks,  # noqa: F401  (registers the tasks)
)
from shared.celery_app import celery_app as app

__all__ = ["app"]


@worker_init.connect
def _load_detector_before_forking(**_: Any) -> None:
    # The worker's main process loads it; its pool processes inherit it when they fork.
    qa.load_detector()
