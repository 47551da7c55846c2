"""Ingest's public face: what the dashboard, the CLI runner and the other services may call.

Everything else in services/ingest is ingest's own business; tests/test_boundaries.py fails
when another service or the dashboard imports it.
"""

from __future__ import annotations

from services.ingest import retention
from services.ingest.push_client import push_story
from services.ingest.source_health import recent_errors
from services.ingest.source_status import describe as describe_source
from services.ingest.source_status import describe_all as describe_sources
from services.ingest.source_status import describe_settings as describe_source_settings
from services.ingest.sources import SourceConfigError, save_source
from services.ingest.sources import find as find_source

__all__ = [
    "SourceConfigError",
    "describe_source",
    "describe_source_settings",
    "describe_sources",
    "find_source",
    "push_story",
    "recent_errors",
    "retention",
    "save_source",
]
