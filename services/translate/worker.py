"""Entry point of the translate worker:
`celery -A services.translate.worker worker -Q translate`."""

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
