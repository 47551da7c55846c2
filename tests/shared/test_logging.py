"""Worker logs are JSON lines that carry the task, the ids it was given and the story."""

from __future__ import annotations

import io
import json
import logging
import uuid
from types import SimpleNamespace

import pytest

from shared import logging as syndikat_logging
from shared.celery_app import _bind_task_to_logs, _name_scheduler_logs, _unbind_task_from_logs


@pytest.fixture
def json_lines():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    saved = root.handlers[:], root.level, set(syndikat_logging._configured)
    syndikat_logging.configure_logging(f"publish-{uuid.uuid4().hex[:6]}", "INFO")
    written = io.StringIO()
    root.handlers[0].setStream(written)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    root.handlers[:], root.level = saved[0], saved[1]
    syndikat_logging._configured.clear()
    syndikat_logging._configured.update(saved[2])


def test_a_tasks_lines_carry_its_name_ids_and_story_and_nothing_leaks_after(json_lines):
    log = logging.getLogger("syndikat.test")
    task = SimpleNamespace(name="syndikat.publish.deliver", request=SimpleNamespace())
    story_id = uuid.uuid4()

    _bind_task_to_logs(task_id="task-1", task=task, kwargs={"delivery_id": 7})
    log.info("claimed")
    syndikat_logging.note_story(story_id)
    log.info("delivered")
    _unbind_task_from_logs(task=task)
    log.info("idle")

    claimed, delivered, idle = json_lines()
    assert claimed["service"].startswith("publish-")
    assert (claimed["task"], claimed["task_id"], claimed["delivery_id"]) == (
        "syndikat.publish.deliver",
        "task-1",
        "7",
    )
    assert "story_id" not in claimed
    assert delivered["story_id"] == str(story_id) and delivered["message"] == "delivered"
    assert {"task", "task_id", "delivery_id", "story_id"}.isdisjoint(idle)


def test_a_story_noted_outside_a_task_is_not_carried(json_lines):
    syndikat_logging.note_story(uuid.uuid4())
    logging.getLogger("syndikat.test").info("request")
    [line] = json_lines()
    assert "story_id" not in line


def test_the_scheduler_keeps_the_level_celery_beat_was_started_with(json_lines):
    """`syndikat run` starts beat with `-l WARNING`: naming its logs must not bring back a JSON
    line for every periodic task every 5 s."""
    syndikat_logging.configure_logging("worker", "WARNING")  # what setup_logging does first

    _name_scheduler_logs()

    assert logging.getLogger().level == logging.WARNING
    assert not logging.getLogger("celery.beat").isEnabledFor(logging.INFO)
