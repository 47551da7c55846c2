"""The chaos run at a reduced size: workers crash, Redis restarts, partners flap — and still
every story reaches every partner once per version, under one webhook-id."""

from __future__ import annotations

import os

import pytest

from chaos.__main__ import render
from chaos.run import Plan, run_chaos
from tests.support import services

pytestmark = pytest.mark.e2e


def test_nothing_is_lost_or_doubled_when_everything_breaks(tmp_path, monkeypatch, request):
    # run_chaos points this process's settings at its own installation; undo that afterwards.
    for name in ("REDIS_URL", "DATABASE_URL", "SYNDIKAT_REDIS_KEY_PREFIX", "SYNDIKAT_VAR_DIR"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    request.addfinalizer(services.reset_settings)
    plan = Plan(stories=60, partners=3, flapping_partners=2, push_rate=6.0, settle_seconds=240)

    report = run_chaos(plan, tmp_path, log=lambda line: None)

    print(render(report))
    assert len(report.faults) == 2 * plan.worker_crashes + plan.redis_restarts + 2
    assert report.requests > report.expected  # the flapping partners really failed requests
    assert (report.lost, report.doubled, report.overlapping) == (0, 0, 0)
    assert report.delivered == report.expected
