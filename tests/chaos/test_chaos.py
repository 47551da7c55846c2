"""The chaos run at a reduced size: workers crash, Redis restarts, partners flap — and still
every story reaches every partner once per version, under one webhook-id.

It runs as its own process (`python -m chaos`), with its own Redis and database, so nothing it
sets up leaks into the other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_nothing_is_lost_or_doubled_when_everything_breaks(tmp_path):
    command = [sys.executable, "-m", "chaos", "--json", "--stories", "60", "--partners", "3"]
    command += ["--push-rate", "6", "--settle-seconds", "240"]

    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    print(run.stderr[-3000:])
    report = json.loads(run.stdout)
    assert len(report["faults"]) == 2 * 3 + 1 + 2  # crashes, Redis restart, flap on and off
    assert report["requests"] > report["expected"]  # the flapping partners really failed some
    assert (report["lost"], report["doubled"], report["overlapping"]) == (0, 0, 0)
    # Two partners take all 60 stories, the third only the 30 German ones; every tenth story
    # was updated, and only its latest version counts.
    assert report["delivered"] == report["expected"] == 60 + 60 + 30
    assert run.returncode == 0
