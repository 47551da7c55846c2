"""Every test here starts real workers on the test run's queues: tasks that in-process tests
queued and no worker ran (a partner test probe, say, naming partner 1) would reach them and
the partner of this test, so each test starts from empty queues."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def empty_queues() -> None:
    # Imported here, not above: the Celery app reads its broker from the settings, which the
    # root conftest's pytest_configure sets after this file is loaded.
    from shared.celery_app import celery_app

    celery_app.control.purge()
