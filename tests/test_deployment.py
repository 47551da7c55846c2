"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check their structure."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
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
            source = volume.split(":")[0]
            if source.startswith("./"):  # a bind mount of a file in this repository
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} mounts unknown {volume}"


@pytest.mark.parametrize(("name", "package"), [("api", "api"), ("dashboard", "dashboard")])
def test_web_commands_name_the_real_app_factory(name, package):
    command = " ".join(SERVICES[name]["command"])
    module, factory = re.search(r"(\S+):(\w+)\(\)", command).groups()
    app = getattr(importlib.import_module(module), factory)()
    assert app.name.startswith(f"services.{package}")


def test_the_dashboard_sits_behind_the_proxy_with_secure_cookies_by_default():
    dashboard = SERVICES["dashboard"]
    port = re.search(r"0\.0\.0\.0:(\d+)", " ".join(dashboard["command"])).group(1)
    assert port in dashboard["expose"]
    assert dashboard["environment"]["SYNDIKAT_DASHBOARD_SECURE_COOKIES"].endswith(":-true}")
    # Caddy is the one proxy in front: its X-Forwarded-Proto tells the dashboard it is HTTPS.
    assert dashboard["environment"]["SYNDIKAT_DASHBOARD_TRUSTED_PROXIES"].endswith(":-1}")
    assert f"127.0.0.1:{port}/" in " ".join(dashboard["healthcheck"]["test"])


def test_the_dockerfile_installs_the_project_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.M)
    assert re.search(r"^RUN pip install .* \.$", dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    for copied in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert (ROOT / copied).exists(), f"Dockerfile copies missing {copied}"


# --- The production defects of issue 12 -------------------------------------------------------

DOCKERFILE = (ROOT / "Dockerfile").read_text()
CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
#: What the service user is called in the image.
SERVICE_USER = re.search(r"^USER (\w+)", DOCKERFILE, re.M).group(1)
#: One-shot services: they run to completion, nothing is there to check afterwards.
ONE_SHOT = {"migrate"}
WORKERS = ("ingest", "translate", "publish")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = (line.strip() for line in joined.splitlines())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def position(predicate) -> int:
    return next(i for i, step in enumerate(dockerfile_instructions()) if predicate(*step))


def mounted_at(service: dict, path: str) -> str | None:
    """The named volume a service mounts at `path`, if any."""
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if target == path:
            return source
    return None


def test_the_model_volume_is_created_owned_by_the_service_user():
    """`docker compose run --rm api syndikat models install` writes into the volume."""
    model_dir = SERVICES["api"]["environment"]["SYNDIKAT_MODEL_DIR"]
    volume_root = "/" + model_dir.strip("/").split("/")[0]
    assert mounted_at(SERVICES["api"], volume_root) in COMPOSE["volumes"]
    # A new named volume copies the image's directory, ownership included: the directory must
    # exist in the image and belong to the user, before any VOLUME line freezes it.
    chown = position(
        lambda op, args: (
            op == "RUN"
            and re.search(rf"mkdir -p [^&]*{volume_root}\b", args)
            and re.search(rf"chown -R {SERVICE_USER}(:{SERVICE_USER})? [^&]*{volume_root}\b", args)
        )
    )
    volumes = [i for i, (op, _) in enumerate(dockerfile_instructions()) if op == "VOLUME"]
    assert all(chown < i for i in volumes)
    assert chown < position(lambda op, args: op == "USER")


@pytest.mark.parametrize("variable", ["POSTGRES_PASSWORD", "SYNDIKAT_SECRET_KEY"])
def test_secrets_are_required_not_defaulted(variable):
    text = (ROOT / "docker-compose.yml").read_text()
    uses = re.findall(rf"\$\{{{variable}([^}}]*)\}}", text)
    assert uses, f"{variable} is not used"
    for use in uses:
        assert use.startswith(":?"), f"${{{variable}{use}}} must fail when unset (:?)"


def test_postgres_and_the_services_share_the_required_password():
    password = "${POSTGRES_PASSWORD:?"
    assert SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(password)
    for name in OWN:
        assert f":{password}" in SERVICES[name]["environment"]["DATABASE_URL"]


def test_flower_wants_a_password_and_listens_on_loopback_only():
    flower = SERVICES["flower"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    for port in flower.get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"Flower published publicly as {port}"


def test_only_the_proxy_is_published_on_every_interface():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            if not str(port).startswith("127.0.0.1:"):
                assert name == "caddy", f"{name} is published publicly as {port}"
    assert {"80:80", "443:443"} <= set(SERVICES["caddy"]["ports"])


@pytest.mark.parametrize("name", sorted(set(SERVICES) - ONE_SHOT))
def test_every_long_running_service_has_a_health_check(name):
    test = SERVICES[name]["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    if test[1:3] == ["python", "-c"]:
        compile(test[3], f"{name} health check", "exec")
    if test[0] == "CMD":
        # The Syndikat image has python, not curl or wget.
        assert test[1] not in ("curl", "wget") or name in ("caddy", "redis", "postgres")


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_is_checked_by_pinging_its_own_node(name):
    command = SERVICES[name]["command"]
    node = command[command.index("-n") + 1]
    check = SERVICES[name]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    app_module = command[command.index("-A") + 1]
    # %h (the hostname) in the node name is $HOSTNAME in the check's shell ($$ in compose).
    expected = node.replace("%h", "$$HOSTNAME")
    assert re.fullmatch(
        rf"celery -A {re.escape(app_module)} inspect ping( -t \d+)? -d {re.escape(expected)}",
        check[1],
    )


@pytest.mark.parametrize(
    ("name", "command"),
    [("postgres", ["CMD", "pg_isready"]), ("redis", ["CMD", "redis-cli", "ping"])],
)
def test_the_data_stores_have_their_own_health_checks(name, command):
    assert SERVICES[name]["healthcheck"]["test"][: len(command)] == command


@pytest.mark.parametrize(("name", "port"), [("api", 8000), ("dashboard", 8002), ("flower", 5555)])
def test_web_services_are_checked_over_http_with_python(name, port):
    check = SERVICES[name]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert f"http://127.0.0.1:{port}/" in check[3]
    compile(check[3], "healthcheck", "exec")


def test_the_dependencies_are_installed_from_the_lock_before_the_code_is_copied():
    def copies(what):
        return lambda op, args: op == "COPY" and what in args.split()[:-1]

    lock = position(copies("requirements.lock"))
    install = position(
        lambda op, args: op == "RUN" and "pip install" in args and "requirements.lock" in args
    )
    first_code = min(position(copies(package)) for package in ("shared", "services"))
    assert lock < install < first_code
    # The code's own install resolves nothing again (all of it is in the layer above).
    assert (
        "--no-deps"
        in dockerfile_instructions()[
            position(lambda op, args: op == "RUN" and "pip install" in args and args.endswith(" ."))
        ][1]
    )


@pytest.mark.parametrize("ignored", [".venv", "var", ".git", ".pytest_cache", "**/__pycache__"])
def test_the_build_context_leaves_out_local_state(ignored):
    patterns = (ROOT / ".dockerignore").read_text().split()
    assert ignored in patterns


def test_what_the_image_needs_is_not_ignored():
    patterns = set((ROOT / ".dockerignore").read_text().split())
    for copied in re.findall(r"^COPY (\S+)", DOCKERFILE, re.M):
        assert copied not in patterns, f"the Dockerfile copies {copied}, .dockerignore drops it"


def test_caddy_terminates_tls_for_the_api_and_the_dashboard():
    caddy = SERVICES["caddy"]
    assert caddy["image"].startswith("caddy:2")
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    # Certificates and keys survive a restart (Let's Encrypt limits how often it issues them).
    assert mounted_at(caddy, "/data") in COMPOSE["volumes"]
    for variable in ("SYNDIKAT_DASHBOARD_DOMAIN", "SYNDIKAT_API_DOMAIN"):
        assert caddy["environment"][variable].startswith(f"${{{variable}:?")
    sites = caddy_sites()
    assert sites == {
        "{$SYNDIKAT_DASHBOARD_DOMAIN}": "dashboard:8002",
        "{$SYNDIKAT_API_DOMAIN}": "api:8000",
    }
    for upstream in sites.values():
        name, port = upstream.split(":")
        assert port in SERVICES[name]["expose"]


def caddy_sites() -> dict[str, str]:
    """Each top-level site address of the Caddyfile and the upstream it proxies to."""
    sites: dict[str, str] = {}
    depth, site = 0, None
    for line in re.sub(r"#.*", "", CADDYFILE.read_text()).splitlines():
        words = line.split()
        if depth == 0 and words[-1:] == ["{"]:
            site = words[0]
        if depth == 1 and words[:1] == ["reverse_proxy"]:
            sites[site] = words[1]
        depth += line.count("{") - line.count("}")
    return sites


CADDY = shutil.which("caddy")


DOMAINS = {
    "SYNDIKAT_DASHBOARD_DOMAIN": "syndikat.example.com",
    "SYNDIKAT_API_DOMAIN": "api.syndikat.example.com",
}


def caddy_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **DOMAINS,
    }


@pytest.mark.skipif(CADDY is None, reason="caddy is not installed")
def test_caddy_itself_accepts_the_caddyfile(tmp_path):
    env = caddy_env(tmp_path)
    command = [CADDY, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Without the domains the file is not valid: the required variables are really needed.
    del env["SYNDIKAT_API_DOMAIN"]
    assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode != 0


def test_the_deployment_docs_name_every_variable_compose_requires():
    compose = re.sub(r"(?m)^\s*#.*$", "", (ROOT / "docker-compose.yml").read_text())
    required = set(re.findall(r"\$\{(\w+):\?", compose))
    operations = (ROOT / "docs" / "operations.md").read_text()
    production = operations[operations.index("## Production") :]
    assert required == {
        "POSTGRES_PASSWORD",
        "SYNDIKAT_SECRET_KEY",
        "SYNDIKAT_DASHBOARD_DOMAIN",
        "SYNDIKAT_API_DOMAIN",
        "FLOWER_BASIC_AUTH",
    }
    for variable in required:
        assert f"{variable}=" in production, f"docs/operations.md omits {variable}"


@pytest.mark.skipif(CADDY is None, reason="caddy is not installed")
@pytest.mark.parametrize(
    ("domain", "internal"),
    [
        ("SYNDIKAT_DASHBOARD_DOMAIN", ["/healthz", "/metrics"]),
        ("SYNDIKAT_API_DOMAIN", ["/healthz"]),
    ],
)
def test_monitoring_without_a_login_is_not_served_to_the_internet(tmp_path, domain, internal):
    """Caddy's own reading of the file: those paths get a 404 before anything is proxied."""
    command = [CADDY, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    adapted = subprocess.run(
        command, env=caddy_env(tmp_path), capture_output=True, text=True, timeout=60, check=True
    )
    servers = json.loads(adapted.stdout)["apps"]["http"]["servers"].values()
    [site] = [
        route
        for server in servers
        for route in server["routes"]
        if DOMAINS[domain] in route["match"][0].get("host", [])
    ]
    handlers = [step for route in site["handle"][0]["routes"] for step in route["handle"]]
    blocked = {
        path
        for route in site["handle"][0]["routes"]
        for match in route.get("match", [])
        for path in match.get("path", [])
        if route["handle"][0] == {"handler": "static_response", "status_code": 404}
    }
    assert blocked == set(internal)
    kinds = [step["handler"] for step in handlers]
    assert kinds.index("static_response") < kinds.index("reverse_proxy")


@pytest.mark.parametrize("behind_caddy", [True, False], ids=["behind Caddy", "reached directly"])
def test_behind_caddy_the_api_hands_out_https_urls(db_env, behind_caddy):
    from tests.support.api import management_client
    from tests.support.settings import changed_settings

    default = re.fullmatch(
        r"\$\{SYNDIKAT_API_TRUSTED_PROXIES:-(\d+)\}",
        SERVICES["api"]["environment"]["SYNDIKAT_API_TRUSTED_PROXIES"],
    ).group(1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": DOMAINS["SYNDIKAT_API_DOMAIN"]}
    with changed_settings() as change:
        change(SYNDIKAT_API_TRUSTED_PROXIES=default if behind_caddy else "0")
        created = management_client().post(
            "/v1/partners", json={"name": "puller", "method": "feed"}, headers=forwarded
        )

    assert created.status_code == 201, created.json
    feed = created.json["feeds"]["atom"]
    if behind_caddy:
        assert feed == f"https://{DOMAINS['SYNDIKAT_API_DOMAIN']}/v1/feeds/puller.atom"
    else:  # forwarded headers from anyone are not believed
        assert feed.startswith("http://localhost/")
