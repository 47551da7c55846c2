"""Entry point of the publish worker: `celery -A services.publish.worker worker -Q publish`."""

from services.publish import tasks  # noqa: F401  (registers the tasks)
from shared.celery_app import celery_app as app

__all__ = ["app"]
