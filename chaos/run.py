"""Orchestrating the chaos run and counting what arrived where."""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from chaos.partners import FlappingPartner
from tests.support.pipeline import Pipeline
from tests.support.redis_server import RedisServer

WORKER_OPTIONS = {
    "ingest": ("-c", "2"),
    "translate": ("-c", "2"),
    "publish": ("--pool", "threads", "-c", "8"),
}


@dataclass(frozen=True)
class Plan:
    stories: int = 1000
    partners: int = 4
    flapping_partners: int = 2
    worker_crashes: int = 3  # each of translate and publish
    redis_restarts: int = 1
    settle_seconds: float = 900
    #: Stories pushed per second: the faults are spread over the push, so it must take a while.
    push_rate: float = 20.0
    delivery_timeout: float = 1.0


@dataclass
class Report:
    stories: int = 0
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    doubled: int = 0
    overlapping: int = 0
    requests: int = 0
    faults: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.doubled == 0 and self.overlapping == 0


def run_chaos(plan: Plan, folder: Path, log: Callable[[str], None] = print) -> Report:
    started = time.monotonic()
    redis_server = RedisServer(folder / "redis", persistent=True).start()
    partners = [
        FlappingPartner(f"partner-{n}", plan.delivery_timeout) for n in range(plan.partners)
    ]
    try:
        for partner in partners:
            partner.__enter__()
        env = _environment(folder, redis_server.url, plan)
        source_secret = _prepare_database(partners, plan)
        with Pipeline(
            env, folder / "logs", workers=tuple(WORKER_OPTIONS), worker_options=WORKER_OPTIONS
        ) as pipeline:
            pipeline.start_scheduler()
            faults = _Faults(plan, pipeline, redis_server, partners[: plan.flapping_partners], log)
            faults.start()
            _push_stories(pipeline.api_url, source_secret, plan, faults.progress)
            faults.finish()
            log(f"all {plan.stories} stories pushed; faults over, waiting for deliveries")
            _settle(partners, plan, log)
        report = _count(partners, plan)
        report.overlapping = overlapping_attempts()
        report.faults = faults.done
    finally:
        for partner in partners:
            partner.__exit__()
        redis_server.stop()
    report.seconds = time.monotonic() - started
    return report


def _environment(folder: Path, redis_url: str, plan: Plan) -> dict[str, str]:
    env = {
        "REDIS_URL": redis_url,
        "SYNDIKAT_REDIS_KEY_PREFIX": "",
        "DATABASE_URL": os.environ.get("CHAOS_DATABASE_URL") or f"sqlite:///{folder / 'chaos.db'}",
        "SYNDIKAT_VAR_DIR": str(folder / "var"),
        "SYNDIKAT_ENGINE": "tests.support.fixture_engine:FixtureEngine",
        "SYNDIKAT_SECRET_KEY": "chaos-secret-key",
        "SYNDIKAT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "SYNDIKAT_DELIVERY_TIMEOUT": str(plan.delivery_timeout),
        # Short enough that a message a crashed worker had taken comes back within the run.
        "SYNDIKAT_VISIBILITY_TIMEOUT": "60",
        "SYNDIKAT_STALL_SECONDS": "20",
        "SYNDIKAT_RETRY_FIRST_DELAY": "1",
        "SYNDIKAT_RETRY_MAX_DELAY": "5",
    }
    os.environ.update(env)
    from tests.support import services

    services.reset_settings()
    services.migrate_once(env["DATABASE_URL"])
    return env


def _prepare_database(partners: list[FlappingPartner], plan: Plan) -> str:
    from shared import db as database
    from shared.models import Partner, Source
    from tests.support.factories import new_secret

    secret = new_secret()
    with database.session() as db:
        db.add(Source(name="wire", secret=secret, language="de"))
        for number, partner in enumerate(partners):
            filters = {"languages": ["de"]} if _takes_only_german(number, plan) else {}
            db.add(
                Partner(
                    name=partner.name, endpoint=partner.url, secret=new_secret(), filters=filters
                )
            )
    return secret


#: Every tenth story is updated (version 2) while the run goes on, five stories later.
UPDATE_EVERY, UPDATE_LAG = 10, 5


def chaos_story(number: int, version: int = 1) -> dict:
    """Odd numbers are English stories, even numbers German ones."""
    from tests.support.factories import fixture_story

    fixture = "en-library.json" if number % 2 else "de-rathaus.json"
    return fixture_story(fixture, uri=f"urn:chaos:{number}", version=str(version))


def push_plan(stories: int) -> list[tuple[int, int]]:
    """(story number, version) in the order they are pushed."""
    plan = []
    for number in range(stories + UPDATE_LAG):
        if number < stories:
            plan.append((number, 1))
        updated = number - UPDATE_LAG
        if updated >= 0 and updated % UPDATE_EVERY == 0:
            plan.append((updated, 2))
    return plan


def expected_for(partner_number: int, plan: Plan) -> set[str]:
    """The latest version of every story the partner's filters match, as "uri@version"."""
    german_only = _takes_only_german(partner_number, plan)
    return {
        f"urn:chaos:{n}@{2 if n % UPDATE_EVERY == 0 else 1}"
        for n in range(plan.stories)
        if not (german_only and n % 2)
    }


def _takes_only_german(partner_number: int, plan: Plan) -> bool:
    """The last of three or more partners filters: it takes stories written in German only."""
    return plan.partners >= 3 and partner_number == plan.partners - 1


def _push_stories(api_url: str, secret: str, plan: Plan, progress: Callable[[], None]) -> None:
    from services.ingest.push_client import push_story

    lanes = 4
    interval = lanes / plan.push_rate

    def push(pushes: list[tuple[int, int]]) -> None:
        with httpx.Client(timeout=10) as client:
            for number, version in pushes:
                time.sleep(interval)
                story = chaos_story(number, version)
                _push_until_accepted(
                    lambda story=story: push_story(api_url, "wire", secret, story, client=client)
                )
                progress()

    # Each story has its lane, so its update is pushed after its first version.
    pushes = push_plan(plan.stories)
    with ThreadPoolExecutor(lanes) as pool:
        list(pool.map(push, [[p for p in pushes if p[0] % lanes == lane] for lane in range(lanes)]))


def _push_until_accepted(send: Callable[[], httpx.Response]) -> None:
    """A wire agency retries a push that failed; the same story twice is harmless."""
    for _ in range(50):
        try:
            if send().status_code == 202:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the API refused a story 50 times")


class _Faults:
    """Crashes and restarts, spread over the push by how many stories went in."""

    def __init__(
        self,
        plan: Plan,
        pipeline: Pipeline,
        redis_server: RedisServer,
        flapping: list[FlappingPartner],
        log: Callable[[str], None],
    ):
        self.plan = plan
        self.pipeline = pipeline
        self.redis_server = redis_server
        self.flapping = flapping
        self.log = log
        self.pushed = 0
        self.done: list[str] = []
        self._lock = threading.Lock()
        self._schedule = self._plan_schedule()

    def _plan_schedule(self) -> list[tuple[float, str]]:
        crashes = self.plan.worker_crashes
        schedule = [((i + 0.5) / crashes * 0.9, "crash translate") for i in range(crashes)]
        schedule += [((i + 0.8) / crashes * 0.9, "crash publish") for i in range(crashes)]
        schedule += [
            ((i + 1) / (self.plan.redis_restarts + 1), "restart redis")
            for i in range(self.plan.redis_restarts)
        ]
        schedule += [(0.05, "partners flap"), (0.85, "partners recover")]
        return sorted(schedule)

    def start(self) -> None:
        self.log("faults planned: " + ", ".join(f"{a} at {s:.0%}" for s, a in self._schedule))

    def progress(self) -> None:
        with self._lock:
            self.pushed += 1
            share = self.pushed / self.plan.stories
            due = [item for item in self._schedule if item[0] <= share]
            self._schedule = [item for item in self._schedule if item[0] > share]
            for _, action in due:
                self._do(action)

    def finish(self) -> None:
        with self._lock:
            for _, action in self._schedule:
                self._do(action)
            self._schedule = []
            for partner in self.flapping:
                partner.stop_flapping()

    def _do(self, action: str) -> None:
        self.log(f"fault: {action} (after {self.pushed} stories)")
        if action.startswith("crash "):
            self.pipeline.restart(action.split()[1])
        elif action == "restart redis":
            self.redis_server.crash()
            time.sleep(1)
            self.redis_server.start()
        elif action == "partners flap":
            for partner in self.flapping:
                partner.start_flapping()
        elif action == "partners recover":
            for partner in self.flapping:
                partner.stop_flapping()
        self.done.append(action)


def _settle(partners: list[FlappingPartner], plan: Plan, log: Callable[[str], None]) -> None:
    expected = [expected_for(n, plan) for n in range(len(partners))]
    deadline = time.monotonic() + plan.settle_seconds
    while time.monotonic() < deadline:
        missing = [len(e - _delivered(p)) for p, e in zip(partners, expected, strict=True)]
        if not any(missing):
            return
        log(f"still missing per partner: {missing}")
        time.sleep(5)
    log("gave up waiting: the counts below show what is missing")


def _delivered(partner: FlappingPartner) -> set[str]:
    return {_key(r) for r in list(partner.requests) if r.status and 200 <= r.status < 300}


def _key(received) -> str:  # type: ignore[no-untyped-def]
    data = received.json().get("data", {})
    return f"{data.get('uri')}@{data.get('version')}"


def _count(partners: list[FlappingPartner], plan: Plan) -> Report:
    report = Report(stories=plan.stories)
    for number, partner in enumerate(partners):
        requests = list(partner.requests)
        report.requests += len(requests)
        expected = expected_for(number, plan)
        arrived = expected & _delivered(partner)
        report.expected += len(expected)
        report.delivered += len(arrived)
        report.lost += len(expected - arrived)
        ids_by_version: dict[str, set[str]] = defaultdict(set)
        for received in requests:
            ids_by_version[_key(received)].add(received.headers.get("webhook-id", ""))
        report.doubled += sum(1 for ids in ids_by_version.values() if len(ids) > 1)
    return report


def overlapping_attempts() -> int:
    """Attempts of one delivery whose times overlap, from Syndikat's own attempt log."""
    from sqlalchemy import select

    from shared import db as database
    from shared.models import DeliveryAttempt

    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    with database.session() as db:
        for attempt in db.scalars(select(DeliveryAttempt)):
            end = attempt.started_at + timedelta(milliseconds=attempt.duration_ms)
            spans[attempt.delivery_id].append((attempt.started_at, end))
    return sum(
        1
        for attempts in spans.values()
        for before, after in itertools.pairwise(sorted(attempts))
        if after[0] < before[1]
    )


def new_folder(base: Path) -> Path:
    folder = base / f"chaos-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder
