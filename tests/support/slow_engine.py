"""A test engine that is slow on purpose, so a test can act while a translation is under way.

A translation asked for in a background thread waits until the test calls `SlowEngine.finish`
(a kill or a newer version can arrive meanwhile); one asked for in the test's own thread is
answered at once. Configured as `SYNDIKAT_ENGINE=tests.support.slow_engine:SlowEngine`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import ClassVar

from services.translate.engines import EngineError
from tests.support.fixture_engine import FixtureEngine, HurriedEngine

WAIT_SECONDS = 30


class SlowEngine(HurriedEngine):
    name = "slow"
    started: ClassVar[threading.Semaphore] = threading.Semaphore(0)
    finished: ClassVar[threading.Event] = threading.Event()
    #: Whether the slow translation loses a number (HurriedEngine), so the QA gate holds it.
    fails_qa: ClassVar[bool] = False

    @classmethod
    def reset(cls, fails_qa: bool = False) -> None:
        cls.started = threading.Semaphore(0)
        cls.finished = threading.Event()
        cls.fails_qa = fails_qa

    @classmethod
    def finish(cls) -> None:
        cls.finished.set()

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        if threading.current_thread() is threading.main_thread():
            return FixtureEngine.translate(self, segments, source_language, target_language)
        self.started.release()
        if not self.finished.wait(WAIT_SECONDS):
            raise EngineError("the test never let the slow translation finish")
        if self.fails_qa:
            return super().translate(segments, source_language, target_language)
        return FixtureEngine.translate(self, segments, source_language, target_language)


def in_background(task: Callable[[], str]) -> tuple[threading.Thread, list[str]]:
    """Run `task` in a thread until it is inside the engine; its result lands in the list."""
    outcome: list[str] = []
    thread = threading.Thread(target=lambda: outcome.append(task()))
    thread.start()
    if not SlowEngine.started.acquire(timeout=WAIT_SECONDS):
        raise AssertionError("the background translation never reached the engine")
    return thread, outcome
