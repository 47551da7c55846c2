"""`make run` serves the dashboard beside the API, on SYNDIKAT_DASHBOARD_PORT."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from services import runner
from shared.config import get_settings
from tests.support import services
from tests.support.pipeline import PROJECT_ROOT as ROOT
from tests.support.pipeline import wait_until
from tests.support.ports import free_port


def test_make_run_starts_the_dashboard_on_its_port(monkeypatch):
    monkeypatch.setenv("SYNDIKAT_DASHBOARD_PORT", "8123")
    services.reset_settings()
    try:
        command = runner._processes(get_settings())["dashboard"]
    finally:
        monkeypatch.delenv("SYNDIKAT_DASHBOARD_PORT")
        services.reset_settings()
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[-1] == "services.dashboard.app:create_app()"


def test_make_run_makes_a_first_dashboard_user_with_a_kept_password(db_env, db):
    from services.dashboard import users
    from shared.models import User

    get_settings().var_dir.mkdir(parents=True)  # `syndikat run` makes it first
    demo = runner._ensure_demo_setup(get_settings())
    again = runner._ensure_demo_setup(get_settings())
    [user] = db.scalars(select(User)).all()
    assert user.name == runner.DASHBOARD_USER
    assert demo["dashboard"] == again["dashboard"]
    assert users.authenticate(db, user.name, demo["dashboard"]) is not None


def test_make_run_workers_log_at_warning_unless_syndikat_log_level_says_otherwise(monkeypatch):
    def levels() -> dict[str, str]:
        services.reset_settings()
        processes = runner._processes(get_settings())
        return {name: processes[name][processes[name].index("-l") + 1] for name in CELERY}

    def quiet() -> set[bool]:
        processes = runner._processes(get_settings())
        return {"--quiet" in processes[name] for name in CELERY}

    monkeypatch.delenv("SYNDIKAT_LOG_LEVEL", raising=False)
    assert set(levels().values()) == {"WARNING"}
    assert quiet() == {True}  # and without Celery's start-up banner
    monkeypatch.setenv("SYNDIKAT_LOG_LEVEL", "DEBUG")
    assert set(levels().values()) == {"DEBUG"}
    assert quiet() == {False}
    monkeypatch.delenv("SYNDIKAT_LOG_LEVEL")
    services.reset_settings()


CELERY = ("ingest", "translate", "publish", "scheduler")


def test_the_banner_gives_every_address_and_the_dashboard_password():
    text = runner.banner(get_settings(), {"dashboard": "pw-123"}, ["  a.json: HTTP 202 → x"])
    settings = get_settings()
    assert f"http://{settings.dashboard_host}:{settings.dashboard_port}" in text
    assert f"sign in as {runner.DASHBOARD_USER} with password pw-123" in text
    assert "a.json: HTTP 202" in text
    assert "Press Enter to show this again" in text


def test_celerys_superuser_warning_is_silenced_in_the_workers_make_run_starts():
    # Celery's own check, run the way a worker runs it, with and without the runner's setting.
    check = "from celery.platforms import check_privileges; check_privileges({'json'})"
    env = os.environ | {"C_FORCE_ROOT": ""}

    def warned(extra: dict[str, str]) -> bool:
        ran = subprocess.run(
            [sys.executable, "-c", check], env=env | extra, capture_output=True, text=True
        )
        return "superuser privileges" in ran.stderr

    if not warned({}):
        pytest.skip("not running as root: Celery has nothing to warn about")
    assert not warned(runner._process_env("publish", get_settings()))


def test_the_api_under_gunicorn_sums_the_request_counts_of_all_its_workers(tmp_path):
    bind = f"127.0.0.1:{free_port()}"
    directory = tmp_path / "api-metrics"
    directory.mkdir()
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(directory), "PYTHONPATH": str(ROOT)}
    command = runner.gunicorn_command(bind, "services.api:create_app()", workers=3, threads=1)
    api = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _answers(f"http://{bind}/healthz"), timeout=60, interval=0.3)
        for _ in range(20):
            httpx.get(f"http://{bind}/healthz", headers={"Connection": "close"})
        # Whichever worker answers the scrape, it counts every worker's requests.
        for _ in range(3):
            text = httpx.get(f"http://{bind}/metrics", headers={"Connection": "close"}).text
            counted = [
                sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "syndikat_api_requests_total"
                and sample.labels == {"route": "/healthz", "method": "GET", "status": "200"}
            ]
            assert counted and counted[0] >= 21
    finally:
        api.terminate()
        api.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
