"""Real Syndikat processes for end-to-end tests: the API under gunicorn and Celery workers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from services.runner import gunicorn_command
from tests.support.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Pipeline:
    """Starts the API and the named workers with `env`; stops them on exit. Logs go to `logs`."""

    def __init__(
        self,
        env: dict[str, str],
        logs: Path,
        workers: tuple[str, ...] = ("translate", "publish"),
        api: bool = True,
        worker_options: dict[str, tuple[str, ...]] | None = None,
    ):
        # PYTHONPATH: workers load test engines by import path from this checkout.
        self.env = os.environ | {"PYTHONPATH": str(PROJECT_ROOT)} | env
        self.logs = logs
        self.workers = workers
        self.with_api = api
        self.worker_options = worker_options or {}
        self.run_id = uuid.uuid4().hex[:8]
        self.api_url = f"http://127.0.0.1:{free_port()}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}

    def __enter__(self) -> Pipeline:
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.with_api:
            self._start("api", self._api_command())
        for queue in self.workers:
            self.start_worker(queue, options=self.worker_options.get(queue, ("-c", "1")))
        if self.with_api:
            self._wait_for_api()
        self.wait_for_workers(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in list(self.processes):
            self.stop(name)

    def start_worker(
        self,
        queue: str,
        name: str | None = None,
        app: str | None = None,
        options: tuple[str, ...] = ("-c", "1"),
    ) -> str:
        """Start a worker on `queue` from `app` (default: the service's own worker module)."""
        name = name or queue
        command = [
            *(str(BIN / "celery"), "-A", app or f"services.{queue}.worker", "worker"),
            *("-Q", queue, "-n", f"{name}-{self.run_id}@%h", "-l", "INFO"),
            *("--without-gossip", "--without-mingle", *options),
        ]
        self._start(name, command)
        return name

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def start_dashboard(self) -> str:
        """Serve the dashboard under gunicorn like `make run` does; returns its URL."""
        url = f"http://127.0.0.1:{free_port()}"
        bind = url.removeprefix("http://")
        app = "services.dashboard.app:create_app()"
        self._start("dashboard", gunicorn_command(bind, app, workers=1))
        self._wait_for_http(f"{url}/login", "dashboard")
        return url

    def wait_for_workers(self, names: tuple[str, ...], timeout: float = 60) -> None:
        from shared.celery_app import celery_app

        wanted = {f"{name}-{self.run_id}@" for name in names}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=0.5) or []
            answered = {worker.split("@")[0] + "@" for reply in replies for worker in reply}
            if wanted <= answered:
                return
            self._check_alive()
        raise AssertionError(f"workers {sorted(wanted)} did not answer; see {self.logs}")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def _api_command(self) -> list[str]:
        bind = self.api_url.removeprefix("http://")
        return gunicorn_command(bind, "services.api:create_app()", workers=1)

    def start_scheduler(self) -> None:
        """Celery beat with the shared schedule (outbox relay, sweeps)."""
        schedule = self.logs / f"beat-{self.run_id}"
        self._start(
            "scheduler",
            [
                *(str(BIN / "celery"), "-A", "shared.celery_app", "beat", "-l", "INFO"),
                *("-s", str(schedule)),
            ],
        )

    def crash(self, name: str) -> None:
        """SIGKILL a process and all its children at once, as a machine failure would."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart(self, name: str) -> None:
        self.crash(name)
        self._start(name, self.commands[name])

    def _start(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        with (self.logs / f"{name}.log").open("ab") as log:
            # A session of its own, so `crash` can kill the process group (prefork children).
            self.processes[name] = subprocess.Popen(
                command,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_for_api(self) -> None:
        self._wait_for_http(f"{self.api_url}/healthz", "api")

    def _wait_for_http(self, url: str, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                self._check_alive()
                time.sleep(0.1)
        raise AssertionError(f"{name} did not come up; see {self.logs / f'{name}.log'}")

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)}")


def wait_until(predicate, timeout: float = 30, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll `predicate` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
