"""Entry point of the translate worker:
`celery -A services.translate.worker worker -Q translate`."""

from services.translate import tasks  # noqa: F401  (registers the tasks)
from shared.celery_app import celery_app as app

__all__ = ["app"]
