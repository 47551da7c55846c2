"""One engine call for the sentences of several stories that wait at the same time.

A local model translates 32 sentences in one call far faster than in 32 calls, and a story has
only a dozen or so. So the translate worker runs several stories at once (Celery's threads pool,
one thread per story, one model per process) and their engine calls meet here: the first caller
waits a few milliseconds for the others (or until a batch is full), makes one call across all of
them, and hands each story its own sentences back.

Why this and not celery-batches: celery-batches hands one task a list of messages, so the
translate task would have to become a batch task with its own acknowledgement, retry and
"superseded or killed meanwhile" handling per message, beside the per-story task everything
else (the outbox, the sweeps, `make run`, the tests) queues. Here the task stays one story, with
its own transactions, retries and state moves; only the engine call is shared, and a failing
story fails alone.

Leader and followers, no thread of its own: the call runs in one of the waiting stories' own
threads, so nothing is left running in a process that forks or stops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.translate.engines.base import Engine, EngineError, EngineUnavailable
from shared.config import get_settings

#: Translates one batch of segments for one language pair.
Run = Callable[[list[str], str, str], list[str]]


@dataclass(eq=False)
class _Request:
    segments: list[str]
    pair: tuple[str, str]
    arrived: float
    english: list[str] | None = None
    error: BaseException | None = None
    done: bool = field(default=False)

    def outcome(self) -> list[str]:
        if self.error is not None:
            raise self.error
        assert self.english is not None
        return self.english


class MicroBatcher:
    """Gathers concurrent `translate` calls into calls of `run` of up to `max_segments`."""

    def __init__(self, run: Run, *, window_seconds: float, max_segments: int) -> None:
        self.run = run
        self.window_seconds = window_seconds
        self.max_segments = max(1, max_segments)
        self._changed = threading.Condition()
        self._pending: list[_Request] = []
        self._leading = False

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        request = _Request(list(segments), (source_language, target_language), time.monotonic())
        with self._changed:
            self._pending.append(request)
            self._changed.notify_all()
        while True:
            with self._changed:
                while self._leading and not request.done:
                    self._changed.wait()
                if request.done:
                    return request.outcome()
                self._leading = True
                batch = self._gather()
            try:
                self._answer(batch)
            finally:
                unanswered = [request for request in batch if not request.done]
                _fail_all(unanswered, EngineError("the batch this story was in was cut short"))
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()

    def _gather(self) -> list[_Request]:
        """Wait (lock held) until the oldest request's window closes or a batch is full."""
        oldest = self._pending[0]
        deadline = oldest.arrived + self.window_seconds
        while self._waiting_segments(oldest.pair) < self.max_segments:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._changed.wait(left)
        batch: list[_Request] = []
        count = 0
        for request in list(self._pending):
            if request.pair != oldest.pair:
                continue
            if batch and count + len(request.segments) > self.max_segments:
                break
            batch.append(request)
            count += len(request.segments)
            self._pending.remove(request)
        return batch

    def _waiting_segments(self, pair: tuple[str, str]) -> int:
        return sum(len(request.segments) for request in self._pending if request.pair == pair)

    def _answer(self, batch: list[_Request]) -> None:
        try:
            english = self._call([s for request in batch for s in request.segments], batch[0].pair)
        except EngineUnavailable as exc:
            _fail_all(batch, exc)  # the engine is not there for anyone
        except Exception as exc:  # engines fail their own ways; the pipeline sorts them out
            if len(batch) == 1:
                _fail_all(batch, exc)
            else:
                # Which story broke the call? Each alone: the others still get their English.
                for request in batch:
                    self._answer([request])
        else:
            start = 0
            for request in batch:
                request.english = english[start : start + len(request.segments)]
                request.done = True
                start += len(request.segments)

    def _call(self, segments: list[str], pair: tuple[str, str]) -> list[str]:
        english = self.run(segments, *pair)
        if len(english) != len(segments):
            raise EngineError(f"the engine returned {len(english)} segments for {len(segments)}")
        return english


def _fail_all(batch: list[_Request], error: BaseException) -> None:
    for request in batch:
        request.error = error
        request.done = True


class BatchedEngine:
    """An engine whose calls from concurrent stories in this process share engine calls."""

    def __init__(self, engine: Engine, *, window_seconds: float, max_segments: int) -> None:
        self.engine = engine
        self.name = engine.name
        self.batcher = MicroBatcher(
            engine.translate, window_seconds=window_seconds, max_segments=max_segments
        )

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        return self.batcher.translate(segments, source_language, target_language)


def across_stories(engine: Engine) -> Engine:
    """`engine`, batched across stories if it says that pays (`batches_stories`, e.g. a local
    model); engines that take a story as context or apply the glossary themselves are left be."""
    if not getattr(engine, "batches_stories", False):
        return engine
    settings = get_settings()
    return BatchedEngine(
        engine,
        window_seconds=settings.translate_batch_window_ms / 1000,
        max_segments=settings.translate_batch_max_segments,
    )
