"""Structured logs: one JSON object per line, with the service and, where known, the story id.

Web processes call `configure_logging(service)`; Celery workers and the scheduler get the same
through the signals in `shared.celery_app`. While a task runs, every line it logs carries the
task's name and id, the ids it was given, and the story id once the task touched a story.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from shared.config import get_settings

_configured: set[str] = set()
#: Fields added to every log line of the current task (or request).
_context: ContextVar[dict[str, str] | None] = ContextVar("syndikat_log_context", default=None)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def configure_logging(service: str, level: str | int | None = None) -> None:
    """Send this process's logs to stderr as JSON lines; safe to call more than once."""
    if service in _configured:
        return
    _configured.clear()  # a process renamed (a worker learning its queues) logs under the new name
    _configured.add(service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or get_settings().log_level)


def current_level() -> int:
    """The level this process logs at now (to rename its logs without changing it)."""
    return logging.getLogger().level


def bind(**fields: Any) -> object:
    """Add fields to every log line from here on in this context; returns a token for `unbind`."""
    current = dict(_context.get() or {})
    current.update({key: str(value) for key, value in fields.items() if value is not None})
    return _context.set(current)


def unbind(token: object) -> None:
    try:
        _context.reset(token)  # type: ignore[arg-type]
    except ValueError:  # set in another context (a pool that switched threads): start clean
        _context.set(None)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


def note_story(story_id: object) -> None:
    """Inside a bound context (a running task), later lines carry this story id too."""
    current = _context.get()
    if current is not None and "story_id" not in current:
        current["story_id"] = str(story_id)
