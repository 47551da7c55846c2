"""Which Syndikat is running: its version and, when known, the git commit it was built from.

Both web processes expose it as `syndikat_build_info` on /metrics, so a dashboard or an alert
can tell which build was live when something changed. The commit comes from the checkout the
code runs from (`git rev-parse`); an installed copy without one says "unknown".
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNKNOWN = "unknown"


@cache
def version() -> str:
    try:
        return metadata.version("syndikat")
    except metadata.PackageNotFoundError:
        return UNKNOWN


@cache
def git_commit() -> str:
    if not (PROJECT_ROOT / ".git").exists():
        return UNKNOWN
    try:
        found = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    return found.stdout.strip() or UNKNOWN


class BuildInfoCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "syndikat_build_info",
            "Always 1; the labels say which build runs (version, git commit).",
            labels=["version", "commit"],
        )
        family.add_metric([version(), git_commit()], 1)
        yield family
