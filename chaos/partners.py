"""Partner sites for the chaos run: flap between 500s and timeouts on demand."""

from __future__ import annotations

import itertools
import threading

from tests.support.receiver import Answer, Receiver


class FlappingPartner(Receiver):
    def __init__(self, name: str, timeout_seconds: float):
        super().__init__()
        self.name = name
        self._timeout = timeout_seconds
        self._flapping = threading.Event()
        self._turns = itertools.count()

    def start_flapping(self) -> None:
        self._flapping.set()

    def stop_flapping(self) -> None:
        self._flapping.clear()

    def _next_answer(self) -> Answer:
        if not self._flapping.is_set():
            return self.default
        # Alternate a 500 with an answer that comes after the delivery timeout.
        if next(self._turns) % 2:
            return Answer(status=500, body=b"flapping")
        return Answer(delay=self._timeout + 0.5)
