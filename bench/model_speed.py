"""The translate worker on a production-size model: end to end against the bare model call.

The model is bench/production_model.py's (6+6 layers, width 512, 32k vocabulary, int8, random
weights). The stories are made of the reference set's German sentences, their words shuffled
per story so no two stories share a sentence (the translation memory would otherwise skip the
engine): a headline and three paragraphs of three sentences each.

* bare: the local engine's one `translate_batch` call over every sentence of all the stories,
  tokenized beforehand (the model alone: no database, no Celery, no segmenting, no QA), once
  before and once after the worker's run;
* worker: a real translate worker (`--pool threads -c 8`, as `make run` starts it) on real
  Redis and SQLite, all the stories' tasks queued at once, until every translation is stored;
* latency: one story a second, from its task being queued to its translation being stored;
* for comparison, a worker whose stories each get their own model call (batches of one story:
  the translate worker before the micro-batcher), on as many other stories;
* the worker's resident memory (one process, one model) afterwards.

Counts: BENCH_MODEL_STORIES (default 24) and BENCH_MODEL_PACED (default 10).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import production_model
from bench.environment import bench_installation
from bench.table import Table

STORIES = int(os.environ.get("BENCH_MODEL_STORIES", "24"))
PACED = int(os.environ.get("BENCH_MODEL_PACED", "10"))
CONCURRENCY = 8
SENTENCES_PER_PARAGRAPH = 3
PARAGRAPHS = 3


def run() -> list[Table]:
    with tempfile.TemporaryDirectory(prefix="syndikat-bench-model-") as work:
        model_dir = production_model.build(Path(work) / "model")
        docs = bench_stories(1 + STORIES + PACED + 1 + STORIES)
        bare_model = BareModel(model_dir, docs[1 : 1 + STORIES])
        # Before and after the worker's run: on a shared machine the CPU time a process gets
        # drifts, and the mean of the two is fairer to both than either alone.
        bare = [bare_model.stories_per_second()]
        os.environ["SYNDIKAT_MODEL_DIR"] = str(model_dir)
        os.environ["SYNDIKAT_TRANSLATE_CONCURRENCY"] = str(CONCURRENCY)
        with bench_installation(engine="local") as root:
            measured = through_the_worker(root, docs)
        bare.append(bare_model.stories_per_second())
    return [_table(bare, measured)]


def _table(bare_runs: list[float], measured: dict[str, Any]) -> Table:
    bare = statistics.mean(bare_runs)
    sentences = 1 + PARAGRAPHS * SENTENCES_PER_PARAGRAPH
    table = Table(
        "Translate worker on a production-size model (6+6 layers, width 512, 32k vocabulary, "
        "int8, random weights)",
        ["measure", "value", "target"],
    )
    table.add("bare translate_batch, stories/s (before / after)", _pair(bare_runs), "")
    table.add("bare translate_batch, stories/s (mean)", bare, "")
    table.add("worker end to end, stories/s", measured["throughput"], "")
    table.add("ratio", measured["throughput"] / bare, "≥ 0.8")
    table.add("worker, each story its own model call, stories/s", measured["unbatched"], "")
    table.add("latency at 1 story/s, p50 (ms)", measured["p50_ms"], "")
    table.add("latency at 1 story/s, max (ms)", measured["max_ms"], "")
    table.add("worker RSS after the run (MB)", measured["rss_mb"], "")
    table.add("worker peak RSS (MB)", measured["peak_rss_mb"], "")
    table.notes.append(
        f"{STORIES} stories of {sentences} sentences queued at once; {PACED} more one a second. "
        f"Worker: --pool threads -c {CONCURRENCY}, one model, {_cpus()} CPU threads; "
        "bare: the same engine options in one call over all the sentences."
    )
    return table


# -- the stories -----------------------------------------------------------------------------------


def bench_stories(count: int) -> list[dict[str, Any]]:
    german = production_model.german_sentences()
    return [_story(number, german, random.Random(number)) for number in range(count)]


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

    def stories_per_second(self) -> float:
        started = time.perf_counter()
        self.engine._run(self.model.translator, self.pieces)
        return self.stories / (time.perf_counter() - started)


# -- through the worker ----------------------------------------------------------------------------


def through_the_worker(root: Path, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput, latency at one story a second and memory of a worker as `make run` starts it;
    then the throughput of one whose stories each have their own model call (no batching).

    `docs`: a warm-up story, the batch, the paced stories, then a warm-up and a batch for the
    second worker (other stories: the memory would answer for the first ones)."""
    versions = _store(docs)
    warm_up_id, versions = versions[0], versions[1:]
    batch_ids, versions = versions[:STORIES], versions[STORIES:]
    paced_ids, versions = versions[:PACED], versions[PACED:]
    with _worker(root, "batched", {}) as (pipeline, name):
        throughput = _throughput(warm_up_id, batch_ids)
        latencies = _paced_latencies(paced_ids)
        rss, peak = _memory_mb(pipeline.processes[name].pid)
    # A batch of one story at most: each story its own call, as before the micro-batcher.
    with _worker(root, "unbatched", {"SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS": "1"}):
        unbatched = _throughput(versions[0], versions[1:])
    return {
        "throughput": throughput,
        "unbatched": unbatched,
        "p50_ms": statistics.median(latencies),
        "max_ms": max(latencies),
        "rss_mb": rss,
        "peak_rss_mb": peak,
    }


@contextmanager
def _worker(root: Path, label: str, env: dict[str, str]) -> Iterator[tuple[Any, str]]:
    from tests.support.pipeline import Pipeline

    with Pipeline(env, root / f"logs-{label}", workers=(), api=False) as pipeline:
        options = ("--pool", "threads", "-c", str(CONCURRENCY))
        name = pipeline.start_worker("translate", options=options)
        pipeline.wait_for_workers((name,))
        yield pipeline, name


def _throughput(warm_up_id: int, version_ids: list[int]) -> float:
    """Stories per second from queueing them all at once until every translation is stored."""
    _queue(warm_up_id)
    _wait_until_stored([warm_up_id])  # the model loads on the first story
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


def _pair(values: list[float]) -> str:
    return " / ".join(f"{value:.3f}" for value in values)


def _cpus() -> int:
    return len(os.sched_getaffinity(0))
