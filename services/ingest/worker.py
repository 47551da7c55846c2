"""Entry point of the ingest worker: `celery -A services.ingest.worker worker -Q ingest`."""

from services.ingest import tasks  # noqa: F401  (registers the tasks)
from shared.celery_app import celery_app as app

__all__ = ["app"]
