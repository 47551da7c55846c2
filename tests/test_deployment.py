"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check their structure."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from shared import tasks

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OWN = {"migrate", "api", "dashboard", "ingest", "translate", "publish", "scheduler", "flower"}


def test_compose_runs_every_part_of_the_pipeline():
    assert {"redis", "postgres"} | OWN <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(OWN))
def test_every_syndikat_service_is_built_from_the_one_dockerfile(name):
    service = SERVICES[name]
    assert service["build"] == "."
    assert service["image"] == "syndikat:latest"
    env = service["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert env["REDIS_URL"].startswith("redis://redis:")


@pytest.mark.parametrize("queue", tasks.QUEUES)
def test_each_worker_consumes_its_queue_from_an_importable_entry_point(queue):
    command = SERVICES[queue]["command"]
    app_module = command[command.index("-A") + 1]
    assert command[command.index("-Q") + 1] == queue
    assert hasattr(importlib.import_module(app_module), "app")


def test_scheduler_and_flower_use_the_shared_celery_app():
    for name, verb in (("scheduler", "beat"), ("flower", "flower")):
        command = SERVICES[name]["command"]
        assert command[:4] == ["celery", "-A", "shared.celery_app", verb]
    assert importlib.import_module("shared.celery_app").celery_app.conf.beat_schedule


def test_dependencies_name_defined_services_and_volumes():
    volumes = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in volumes, f"{name} mounts unknown {volume}"


@pytest.mark.parametrize(("name", "package"), [("api", "ingest"), ("dashboard", "dashboard")])
def test_web_commands_name_the_real_app_factory(name, package):
    command = " ".join(SERVICES[name]["command"])
    module, factory = re.search(r"(\S+):(\w+)\(\)", command).groups()
    app = getattr(importlib.import_module(module), factory)()
    assert app.name.startswith(f"services.{package}")


def test_the_dashboard_is_published_on_its_port_with_secure_cookies_by_default():
    dashboard = SERVICES["dashboard"]
    port = re.search(r"0\.0\.0\.0:(\d+)", " ".join(dashboard["command"])).group(1)
    assert f"{port}:{port}" in dashboard["ports"]
    assert dashboard["environment"]["SYNDIKAT_DASHBOARD_SECURE_COOKIES"].endswith(":-true}")
    assert f"127.0.0.1:{port}/" in " ".join(dashboard["healthcheck"]["test"])


def test_the_dockerfile_installs_the_project_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    for copied in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert (ROOT / copied).exists(), f"Dockerfile copies missing {copied}"
