"""Structured logs: one JSON object per line, with the service and, where known, the story id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from shared.config import get_settings

_configured: set[str] = set()


def configure_logging(service: str) -> None:
    """Send this process's logs to stderr as JSON lines; safe to call more than once."""
    if service in _configured:
        return
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
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(get_settings().log_level)
