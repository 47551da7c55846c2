"""The translate worker on a production-size model: end to end against the bare model call.

The model is bench/production_model.py's (6+6 layers, width 512, 32k vocabulary, int8, random
weights). The stories are made of the reference set's German sentences, their words shuffled
per story so no two stories share a sentence (the translation memory would otherwise skip the
engine): a headline and three paragraphs of three sentences each.

Each round measures, on fresh stories:

* bare: the local engine's one `translate_batch` call over every sentence of the round's
  stories, tokenized beforehand (the model alone: no database, no Celery, no segmenting, no QA);
* worker: a real translate worker (`--pool threads -c 16`, as `make run` starts it) on real
  Redis and SQLite, the same stories' tasks queued at once, until every translation is stored;
* for comparison, a worker whose stories each get their own model call (batches of one story:
  the translate worker before the micro-batcher), on as many other stories.

Rounds alternate the three, and the table shows medians: on a shared machine the CPU a process
gets drifts by a third within a minute. Then, in the last round's worker: the latency at one
story a second (task queued → translation stored) and the worker's resident memory.

Counts: BENCH_MODEL_STORIES (default 24), BENCH_MODEL_ROUNDS (3), BENCH_MODEL_PACED (10).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import production_model
from bench.environment import bench_installation
from bench.table import Table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STORIES = int(os.environ.get("BENCH_MODEL_STORIES", "24"))
ROUNDS = int(os.environ.get("BENCH_MODEL_ROUNDS", "3"))
PACED = int(os.environ.get("BENCH_MODEL_PACED", "10"))
CONCURRENCY = int(os.environ.get("BENCH_MODEL_CONCURRENCY", "16"))  # as `make run`
SENTENCES_PER_PARAGRAPH = 3
PARAGRAPHS = 3


def run() -> list[Table]:
    os.environ["SYNDIKAT_TRANSLATE_CONCURRENCY"] = str(CONCURRENCY)
    with tempfile.TemporaryDirectory(prefix="syndikat-bench-model-") as work:
        model_dir = production_model.build(Path(work) / "model")
        os.environ["SYNDIKAT_MODEL_DIR"] = str(model_dir)
        with bench_installation(engine="local") as root:
            rounds = [_round(root, model_dir, number) for number in range(ROUNDS)]
            latencies, rss, peak = _latency_and_memory(root)
    return [_table(rounds, latencies, rss, peak)]


def _round(root: Path, model_dir: Path, number: int) -> dict[str, float]:
    """Bare, batched worker, unbatched worker: stories/s of each, on fresh stories."""
    first = number * 2 * (STORIES + 1)
    batched = range(first, first + STORIES + 1)  # a warm-up story, then the measured ones
    unbatched = range(batched.stop, batched.stop + STORIES + 1)
    ids = _store(bench_stories(batched.start, len(batched) + len(unbatched)))
    bare = bare_in_own_session(model_dir, batched.start + 1)
    worker = _worker_throughput(root, {}, ids[: len(batched)])
    # A batch holds one story at most: each story its own call, as before the micro-batcher.
    one_by_one = _worker_throughput(
        root, {"SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS": "1"}, ids[len(batched) :]
    )
    return {
        "bare": bare[0],
        "worker": worker[0],
        "unbatched": one_by_one[0],
        "bare_cpu": bare[1],
        "worker_cpu": worker[1],
        "unbatched_cpu": one_by_one[1],
    }


def _table(
    rounds: list[dict[str, float]], latencies: list[float], rss: float, peak: float
) -> Table:
    def median(key: str) -> float:
        return statistics.median(measured[key] for measured in rounds)

    def each(key: str) -> str:
        return _joined([measured[key] for measured in rounds])

    sentences = 1 + PARAGRAPHS * SENTENCES_PER_PARAGRAPH
    table = Table(
        "Translate worker on a production-size model (6+6 layers, width 512, 32k vocabulary, "
        "int8, random weights)",
        ["measure", "median", "rounds", "target"],
    )
    for suffix, unit in (("", "stories/s"), ("_cpu", "stories per CPU-second")):
        table.add(
            f"bare translate_batch, {unit}", median("bare" + suffix), each("bare" + suffix), ""
        )
        table.add(
            f"worker end to end, {unit}", median("worker" + suffix), each("worker" + suffix), ""
        )
        ratios = [measured["worker" + suffix] / measured["bare" + suffix] for measured in rounds]
        table.add(f"ratio ({unit})", statistics.median(ratios), _joined(ratios), "≥ 0.8")
        table.add(
            f"worker, each story its own call, {unit}",
            median("unbatched" + suffix),
            each("unbatched" + suffix),
            "",
        )
    table.add("latency at 1 story/s, p50 (ms)", statistics.median(latencies), "", "")
    table.add("latency at 1 story/s, max (ms)", max(latencies), "", "")
    table.add("worker RSS after the run (MB)", rss, "", "")
    table.add("worker peak RSS (MB)", peak, "", "")
    table.notes.append(
        f"{ROUNDS} rounds of {STORIES} stories of {sentences} sentences queued at once; then "
        f"{PACED} one a second. Worker: --pool threads -c {CONCURRENCY}, one model, {_cpus()} "
        "CPU threads; bare: the same engine options in one call over the same sentences."
    )
    return table


# -- the stories -----------------------------------------------------------------------------------


def bench_stories(first: int, count: int) -> list[dict[str, Any]]:
    """Stories number `first` to `first + count - 1`; the same numbers make the same stories."""
    german = production_model.german_sentences()
    return [_story(n, german, random.Random(n)) for n in range(first, first + count)]


def _story(number: int, german: list[str], rng: random.Random) -> dict[str, Any]:
    def sentence() -> str:
        words = rng.choice(german).rstrip(".").split()
        rng.shuffle(words)
        return " ".join(words) + "."

    paragraphs = [
        " ".join(sentence() for _ in range(SENTENCES_PER_PARAGRAPH)) for _ in range(PARAGRAPHS)
    ]
    return {
        "uri": f"urn:syndikat:bench:model:{number}",
        "type": "text",
        "version": "1",
        "language": "de",
        "headlines": [{"role": "main", "value": sentence().rstrip(".")}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
            }
        ],
    }


# -- bare ------------------------------------------------------------------------------------------


def bare_in_own_session(model_dir: Path, first: int) -> tuple[float, float]:
    """`BareModel` on STORIES stories from number `first`, in a process of its own session, as
    the worker is.

    Linux shares CPU time between sessions (autogroups) before threads: measured inside this
    process, the bare call would get a different share of a busy machine than the worker."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.model_speed", str(model_dir), str(first), str(STORIES)],
        cwd=PROJECT_ROOT,
        env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
        start_new_session=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the bare model run failed:\n{completed.stderr[-2000:]}")
    wall, cpu = completed.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


class BareModel:
    """The engine's own model call over every sentence of `docs`, timed alone."""

    def __init__(self, model_dir: Path, docs: list[dict[str, Any]]) -> None:
        from services.translate import segments
        from services.translate.engines import local
        from services.translate.engines.local import LocalEngine

        self.stories = len(docs)
        self.engine = LocalEngine.from_path(model_dir)
        self.model = self.engine._model()
        sentences = [
            unit
            for doc in docs
            for unit in dict.fromkeys(u.text for u in segments.segment(doc).units)
        ]
        self.pieces = [
            self.model.source.encode(local._loosen(text), out_type=str) for text in sentences
        ]
        self.engine._run(self.model.translator, self.pieces[:8])  # warm up

    def rates(self) -> tuple[float, float]:
        """Stories per second of wall-clock time and per second of this process's CPU time."""
        started, cpu = time.perf_counter(), time.process_time()
        self.engine._run(self.model.translator, self.pieces)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return self.stories / wall, self.stories / cpu


# -- through the worker ----------------------------------------------------------------------------


def _worker_throughput(root: Path, env: dict[str, str], ids: list[int]) -> tuple[float, float]:
    """A fresh worker with `env`, over ids[1:] once ids[0] loaded the model: stories per second
    of wall-clock time and per second of the worker process's CPU time."""
    with _worker(root, env) as (pipeline, name):
        _warm_up(ids[0])
        pid = pipeline.processes[name].pid
        cpu = _cpu_seconds(pid)
        rate = _throughput(ids[1:])
        return rate, (len(ids) - 1) / (_cpu_seconds(pid) - cpu)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _latency_and_memory(root: Path) -> tuple[list[float], float, float]:
    """Latencies at one story a second, then the worker's memory: RSS now and at its peak."""
    ids = _store(bench_stories(ROUNDS * 2 * (STORIES + 1), 1 + PACED))
    with _worker(root, {}) as (pipeline, name):
        _warm_up(ids[0])
        latencies = _paced_latencies(ids[1:])
        rss, peak = _memory_mb(pipeline.processes[name].pid)
    return latencies, rss, peak


@contextmanager
def _worker(root: Path, env: dict[str, str]) -> Iterator[tuple[Any, str]]:
    from tests.support.pipeline import Pipeline

    with Pipeline(env, root / "logs", workers=(), api=False) as pipeline:
        options = ("--pool", "threads", "-c", str(CONCURRENCY))
        name = pipeline.start_worker("translate", options=options)
        pipeline.wait_for_workers((name,))
        yield pipeline, name


def _warm_up(version_id: int) -> None:
    """One story through the worker: the model loads on the first."""
    _queue(version_id)
    _wait_until_stored([version_id])


def _throughput(version_ids: list[int]) -> float:
    """Stories per second from queueing them all at once until every translation is stored."""
    started = time.perf_counter()
    for version_id in version_ids:
        _queue(version_id)
    _wait_until_stored(version_ids)
    return len(version_ids) / (time.perf_counter() - started)


def _store(docs: list[dict[str, Any]]) -> list[int]:
    """Take the stories in, and drop the translate tasks intake queued: the bench queues them."""
    from shared import db as database
    from shared.celery_app import celery_app
    from tests.support.factories import store_story

    with database.session() as db:
        version_ids = [store_story(db, doc) for doc in docs]
    celery_app.control.purge()
    return version_ids


def _queue(version_id: int) -> None:
    from shared import tasks
    from shared.celery_app import celery_app

    celery_app.send_task(tasks.TRANSLATE_VERSION, kwargs={"story_version_id": version_id})


def _stored(version_ids: list[int]) -> set[int]:
    from sqlalchemy import select

    from shared import db as database
    from shared.models import Translation

    with database.session() as db:
        query = select(Translation.story_version_id).where(
            Translation.story_version_id.in_(version_ids)
        )
        return set(db.scalars(query))


def _wait_until_stored(version_ids: list[int], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while len(_stored(version_ids)) < len(version_ids):
        if time.monotonic() > deadline:
            raise RuntimeError("the translate worker did not store every translation in time")
        time.sleep(0.02)


def _paced_latencies(version_ids: list[int]) -> list[float]:
    """Queue one story a second; each one's milliseconds from queued to stored."""
    queued: dict[int, float] = {}
    done: dict[int, float] = {}
    start = time.monotonic()
    while len(done) < len(version_ids):
        now = time.monotonic()
        due = version_ids[: min(len(version_ids), int(now - start) + 1)]
        for version_id in due:
            if version_id not in queued:
                _queue(version_id)
                queued[version_id] = time.monotonic()
        for version_id in _stored(list(queued)) - done.keys():
            done[version_id] = time.monotonic()
        time.sleep(0.01)
    return [(done[v] - queued[v]) * 1000 for v in version_ids]


def _memory_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _joined(values: list[float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":  # the bare run, in a process of its own (see bare_in_own_session)
    bare_model = BareModel(Path(sys.argv[1]), bench_stories(int(sys.argv[2]), int(sys.argv[3])))
    print(*bare_model.rates())
