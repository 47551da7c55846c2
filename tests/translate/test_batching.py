"""Stories that wait together are translated in one engine call (services/translate/batching.py).

Nothing here is timed: the batch window is long, and a batch closes because it is full (its
size is the sentences of all the stories a test starts), so the grouping is deterministic.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from services.translate import batching, pipeline, segments
from services.translate.engines import EngineError, EngineUnavailable
from services.translate.engines.local import LocalEngine
from shared.models import Story, Translation
from tests.support.factories import store_story
from tests.support.reference_engines import (
    REFERENCE_SET,
    BatchingReferenceEngine,
    reference_english,
)
from tests.support.tiny_model import build_tiny_model

#: Long enough never to close a batch in these tests: their batches close when full.
WINDOW_SECONDS = 60


class CountingEngine:
    """Uppercases; fails on any segment with "kaputt" (or, unavailable, on "weg")."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        self.calls.append(list(segments))
        if any("weg" in segment for segment in segments):
            raise EngineUnavailable("the service is down")
        if any("kaputt" in segment for segment in segments):
            raise EngineError("cannot translate kaputt")
        return [segment.upper() for segment in segments]


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Each call in its own thread, all started together; each one's result or exception."""
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except Exception as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WINDOW_SECONDS)
    return outcomes


def together(batcher: batching.MicroBatcher, stories: list[list[str]]) -> list[object]:
    """Each story's `translate` from its own thread, as stories waiting together call it."""
    return at_once([partial(batcher.translate, story, "de", "en") for story in stories])


def full_batcher(engine: CountingEngine, stories: list[list[str]]) -> batching.MicroBatcher:
    size = sum(len(story) for story in stories)
    return batching.MicroBatcher(engine.translate, window_seconds=WINDOW_SECONDS, max_segments=size)


def test_stories_that_arrive_together_share_one_engine_call_and_get_their_own_english() -> None:
    engine = CountingEngine()
    stories = [["eins a", "eins b"], ["zwei a"], ["drei a", "drei b", "drei c"]]

    outcomes = together(full_batcher(engine, stories), stories)

    assert len(engine.calls) == 1
    assert sorted(engine.calls[0]) == sorted(s for story in stories for s in story)
    assert outcomes == [["EINS A", "EINS B"], ["ZWEI A"], ["DREI A", "DREI B", "DREI C"]]


def test_one_story_failing_the_engine_does_not_fail_the_others() -> None:
    engine = CountingEngine()
    stories = [["gut eins"], ["kaputt"], ["gut zwei", "gut drei"]]

    outcomes = together(full_batcher(engine, stories), stories)

    assert outcomes[0] == ["GUT EINS"]
    assert isinstance(outcomes[1], EngineError)
    assert outcomes[2] == ["GUT ZWEI", "GUT DREI"]
    # The shared call failed; then each story alone, so the failure is pinned on its story.
    assert len(engine.calls) == 1 + len(stories)


def test_an_unavailable_engine_fails_every_story_without_a_call_each() -> None:
    engine = CountingEngine()
    stories = [["weg"], ["eins"], ["zwei"]]

    outcomes = together(full_batcher(engine, stories), stories)

    assert all(isinstance(outcome, EngineUnavailable) for outcome in outcomes)
    assert len(engine.calls) == 1


def test_a_batch_holds_at_most_max_segments_and_the_rest_follows() -> None:
    engine = CountingEngine()
    stories = [[f"satz {i}"] for i in range(6)]
    batcher = batching.MicroBatcher(engine.translate, window_seconds=WINDOW_SECONDS, max_segments=3)

    outcomes = together(batcher, stories)

    assert outcomes == [[f"SATZ {i}"] for i in range(6)]
    assert [len(call) for call in engine.calls] == [3, 3]


def test_a_story_alone_is_translated_once_the_window_closes() -> None:
    engine = CountingEngine()
    batcher = batching.MicroBatcher(engine.translate, window_seconds=0, max_segments=100)

    assert batcher.translate(["allein"], "de", "en") == ["ALLEIN"]
    assert engine.calls == [["allein"]]


def test_only_engines_that_batch_across_stories_are_wrapped(
    settings: Callable[..., None], tiny_model: Path
) -> None:
    settings(SYNDIKAT_TRANSLATE_BATCH_WINDOW_MS="5", SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS="64")
    counting = CountingEngine()

    assert batching.across_stories(counting) is counting  # e.g. DeepL, an LLM: left alone
    local = batching.across_stories(LocalEngine.from_path(tiny_model))
    assert isinstance(local, batching.BatchedEngine)
    assert (local.batcher.window_seconds, local.batcher.max_segments) == (0.005, 64)
    assert local.name.startswith("local:")


# -- through the worker's path: stories stored, translated by concurrent task threads ---------


def reference_docs() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(REFERENCE_SET.glob("*.de.json"))]


def translate_together(version_ids: list[int]) -> list[object]:
    """`pipeline.translate_version` for each version in its own thread, as the threads pool runs
    the translate tasks of stories that wait together."""
    return at_once([partial(pipeline.translate_version, version_id) for version_id in version_ids])


def batch_settings(settings: Callable[..., None], docs: list[dict]) -> None:
    sentences = sum(len({u.text for u in segments.segment(doc).units}) for doc in docs)
    settings(
        SYNDIKAT_ENGINE="tests.support.reference_engines:BatchingReferenceEngine",
        SYNDIKAT_TRANSLATE_BATCH_WINDOW_MS=str(WINDOW_SECONDS * 1000),
        SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS=str(sentences),
    )
    BatchingReferenceEngine.calls.clear()


def test_the_worker_translates_stories_waiting_together_in_one_call(db, settings) -> None:
    docs = reference_docs()
    batch_settings(settings, docs)
    version_ids = [store_story(db, doc) for doc in docs]

    results = translate_together(version_ids)

    assert results == ["translated"] * len(docs)
    assert len(BatchingReferenceEngine.calls) == 1
    english = reference_english()
    for version_id in version_ids:
        translation = db.scalar(
            select(Translation).where(Translation.story_version_id == version_id)
        )
        # Each story got its own sentences' English back, in its own order.
        assert [unit["english"] for unit in translation.segments] == [
            english[unit["source"]] for unit in translation.segments
        ]


def test_a_story_the_engine_fails_on_waits_and_the_others_are_translated(db, settings) -> None:
    docs = reference_docs()
    unknown = docs[0] | {
        "uri": "urn:test:unbekannt",
        "headlines": [{"role": "main", "value": "Eine Überschrift, die niemand kennt"}],
    }
    batch_settings(settings, [*docs, unknown])
    version_ids = [store_story(db, doc) for doc in [*docs, unknown]]

    results = translate_together(version_ids)

    assert results == ["translated"] * len(docs) + ["awaiting engine"]
    states = dict(db.execute(select(Story.current_version_id, Story.state)).all())
    assert [states[v] for v in version_ids] == ["ready"] * len(docs) + ["awaiting_engine"]
    # One shared call failed, then each story alone.
    assert len(BatchingReferenceEngine.calls) == 1 + len(version_ids)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def test_the_local_model_splits_a_shared_batch_back_to_each_story(tiny_model: Path) -> None:
    stories = 4
    engine = LocalEngine.from_path(tiny_model)
    batched = batching.MicroBatcher(
        engine.translate, window_seconds=WINDOW_SECONDS, max_segments=2 * stories
    )
    german = [[f"Hallo Welt {i}.", f"Die Stadt {i} ist schön."] for i in range(stories)]

    outcomes = together(batched, german)

    assert outcomes == [
        [f"Hello world {i}.", f"Die city {i} is beautiful."] for i in range(stories)
    ]


def test_make_run_starts_one_translate_process_with_a_thread_per_story(settings) -> None:
    from services import runner
    from shared.config import get_settings

    settings(SYNDIKAT_TRANSLATE_CONCURRENCY="6")

    command = runner._processes(get_settings())["translate"]

    assert command[command.index("--pool") + 1] == "threads"
    assert command[command.index("-c") + 1] == "6"


def test_stories_segmented_in_threads_at_once_keep_their_own_sentences() -> None:
    # The translate worker segments its stories in threads; pysbd keeps the text it works on in
    # the segmenter, so one shared between threads mixed stories' sentences up.
    docs = reference_docs() * 8
    alone = [[unit.text for unit in segments.segment(doc).units] for doc in docs]

    for _ in range(5):  # a race: give it several chances to show
        together = at_once(
            [partial(lambda doc: [u.text for u in segments.segment(doc).units], d) for d in docs]
        )
        assert together == alone


def test_the_model_gets_the_cores_the_settings_give_it(
    settings: Callable[..., None], tiny_model: Path
) -> None:
    import os

    settings(SYNDIKAT_MODEL_THREADS="3")
    assert LocalEngine.from_path(tiny_model).intra_threads == 3

    settings(SYNDIKAT_MODEL_THREADS="0")  # the default: every CPU this process may use
    assert LocalEngine.from_path(tiny_model).intra_threads == len(os.sched_getaffinity(0))
