"""End-to-end throughput and latency, next to a bare Celery chain on the same Redis.

Syndikat: signed pushes into the real API (gunicorn), the ingest, translate and publish workers,
deliveries to a local partner. The engine is the fixture engine: an instant dictionary lookup
with hand-written English. (The `instant` engine's output — the German input marked as
translated — is rightly held by the QA gate as not English, so it never reaches a partner.)
Baseline: chains of three no-op tasks across the same three queues, one worker each. Both use
the same worker settings.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import redis
from celery import chain

from bench.environment import bench_installation
from bench.table import Table

ENGINE = "tests.support.fixture_engine:FixtureEngine"
#: BENCH_STORIES runs a smaller bench (a busy machine); the latency samples shrink with it.
STORIES = int(os.environ.get("BENCH_STORIES", "300"))
LATENCY_SAMPLES = max(STORIES // 5, 2)
WORKER_OPTIONS = {
    "ingest": ("-c", "2"),
    "translate": ("-c", "2"),
    "publish": ("--pool", "threads", "-c", "8"),
}


def run() -> list[Table]:
    with bench_installation(engine=ENGINE) as root:
        baseline = _bare_chains_per_second(root)
        throughput, latencies = _pipeline(root)
    ratio = throughput / baseline
    table = Table("Pipeline end to end (fixture engine)", ["measure", "value", "target"])
    table.add("bare Celery chain of 3 no-op tasks /s", baseline, "")
    table.add("Syndikat stories pushed → delivered /s", throughput, "")
    table.add("ratio", ratio, "≥ 0.5")
    table.add("latency ingest → delivery p50 (ms)", _percentile(latencies, 50), "≤ 150")
    table.add("latency ingest → delivery p99 (ms)", _percentile(latencies, 99), "")
    table.notes.append(
        f"{STORIES} stories / chains; latency from {LATENCY_SAMPLES} stories pushed one at a "
        "time; workers: " + ", ".join(f"{q} {' '.join(o)}" for q, o in WORKER_OPTIONS.items())
    )
    return [table]


def _bare_chains_per_second(root: Path) -> float:
    from bench import noop_worker
    from shared.config import get_settings
    from tests.support.pipeline import Pipeline

    done_key = get_settings().redis_key_prefix + noop_worker.DONE_KEY
    client = redis.Redis.from_url(get_settings().cache_redis_url)
    queues = ("ingest", "translate", "publish")
    with Pipeline({}, root / "logs-bare", workers=(), api=False) as workers:
        for queue in queues:
            workers.start_worker(queue, app="bench.noop_worker", options=WORKER_OPTIONS[queue])
        workers.wait_for_workers(queues)
        started = time.perf_counter()
        for number in range(STORIES):
            chain(
                noop_worker.first.s(number), noop_worker.second.s(), noop_worker.third.s()
            ).apply_async()
        while client.llen(done_key) < STORIES:
            time.sleep(0.01)
        return STORIES / (time.perf_counter() - started)


def _pipeline(root: Path) -> tuple[float, list[float]]:
    from shared import db as database
    from shared.models import Partner, Source
    from tests.support.factories import fixture_story, new_secret
    from tests.support.pipeline import Pipeline
    from tests.support.receiver import Receiver

    secret = new_secret()
    with Receiver() as partner_site, database.session() as db:
        db.add(Source(name="wire", secret=secret, language="de"))
        db.add(Partner(name="partner", endpoint=partner_site.url, secret=new_secret()))
    with Receiver() as partner_site:
        _point_partner_at(partner_site.url)
        env = {"SYNDIKAT_ENGINE": ENGINE}
        with Pipeline(
            env,
            root / "logs",
            workers=("ingest", "translate", "publish"),
            worker_options=WORKER_OPTIONS,
        ) as pipeline:
            stories = [fixture_story(uri=f"urn:bench:{n}") for n in range(STORIES)]
            started = time.perf_counter()
            _push_all(pipeline.api_url, secret, stories)
            partner_site.wait_for(STORIES, timeout=600)
            throughput = STORIES / (time.perf_counter() - started)
            # One client for all samples, as the throughput phase and a wire's pusher keep one:
            # a new httpx client costs ~50 ms (its SSL context) that is not the pipeline's.
            with httpx.Client(timeout=30) as client:
                latencies = [
                    _one_story_latency(pipeline.api_url, secret, partner_site, n, client)
                    for n in range(LATENCY_SAMPLES)
                ]
    return throughput, latencies


def _point_partner_at(url: str) -> None:
    from sqlalchemy import update

    from shared import db as database
    from shared.models import Partner

    with database.session() as db:
        db.execute(update(Partner).values(endpoint=url))


def _push_all(api_url: str, secret: str, stories: list[dict]) -> None:
    from services.ingest.push_client import push_story

    def push(batch: list[dict]) -> None:
        with httpx.Client(timeout=30) as client:
            for story in batch:
                answer = push_story(api_url, "wire", secret, story, client=client)
                answer.raise_for_status()

    batches = [stories[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(push, batches))


def _one_story_latency(
    api_url: str, secret: str, partner_site: Any, number: int, client: httpx.Client
) -> float:
    from services.ingest.push_client import push_story
    from tests.support.factories import fixture_story

    story = fixture_story(uri=f"urn:bench:latency:{number}")
    expected = len(partner_site.requests) + 1
    started = time.perf_counter()
    push_story(api_url, "wire", secret, story, client=client)
    partner_site.wait_for(expected, timeout=60)
    return (time.perf_counter() - started) * 1000


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] if len(values) > 1 else values[0]
