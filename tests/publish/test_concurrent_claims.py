"""Several publish workers sweeping the same due deliveries never send one twice at once.

Run on SQLite (one writer at a time) and on the real PostgreSQL server (row locks with
FOR UPDATE SKIP LOCKED, so racing workers share the deliveries out).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from services.publish import delivery, methods
from services.publish.methods.base import Outcome, Outgoing
from shared.models import Delivery, DeliveryState
from tests.support.factories import add_partner
from tests.support.publishing import fan_out, translated_version

WORKERS = 6


class RecordingMethod:
    """Counts sends per webhook-id and notices two sends of one delivery at the same time."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.in_flight: set[str] = set()
        self.overlaps = 0
        self._lock = threading.Lock()

    def send(self, outgoing: Outgoing) -> Outcome:
        with self._lock:
            self.sent[outgoing.webhook_id] += 1
            self.overlaps += outgoing.webhook_id in self.in_flight
            self.in_flight.add(outgoing.webhook_id)
        time.sleep(0.02)
        with self._lock:
            self.in_flight.discard(outgoing.webhook_id)
        return Outcome(200)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> RecordingMethod:
    method = RecordingMethod()
    monkeypatch.setitem(methods.METHODS, "recording", method)
    return method


@pytest.fixture
def due_deliveries(db: Any, wire: Any, recording: RecordingMethod) -> list[int]:
    for number in range(6):
        add_partner(db, f"partner-{number}", method="recording")
    for number in range(8):
        fan_out(db, translated_version(db, uri=f"urn:syndikat:test:race:{number}"))
    return list(db.scalars(select(Delivery.id).order_by(Delivery.id)))


def race(work: Any, count: int = WORKERS) -> list[Any]:
    """Run `work(worker_number)` in `count` threads released at the same moment."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(number: int) -> None:
        start.wait()
        results[number] = work(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_racing_claims_share_the_due_deliveries_out_without_overlap(db, due_deliveries, clock):
    assert len(due_deliveries) == 6 * 8
    now = clock.now
    lease = delivery.timedelta(minutes=5)

    def claim(worker: int) -> list[int]:
        from shared import db as database

        ids = due_deliveries[:]
        random.Random(worker).shuffle(ids)
        with database.session() as session:
            return delivery._claim(session, ids, now, lease)

    claimed = race(claim)

    everything = [delivery_id for ids in claimed for delivery_id in ids]
    assert sorted(everything) == due_deliveries  # each claimed exactly once
    states = set(db.scalars(select(Delivery.state)))
    assert states == {DeliveryState.SENDING}


def test_racing_workers_send_each_delivery_exactly_once(db, due_deliveries, recording):
    def work(worker: int) -> dict[int, str]:
        ids = due_deliveries[:]
        random.Random(worker).shuffle(ids)
        return delivery.attempt_all(ids)

    race(work)

    assert len(recording.sent) == len(due_deliveries)
    assert set(recording.sent.values()) == {1}
    assert recording.overlaps == 0
    states = Counter(db.scalars(select(Delivery.state)))
    assert states == {DeliveryState.DELIVERED: len(due_deliveries)}
