"""Counts and latencies read from the database: the overview's numbers and /metrics' too.

Latency of a stage is measured between two timestamps the pipeline already stores:
- translation: version received → its translation stored (queue wait and engine); stories
  already in English are passed through, not translated, and are left out;
- delivery: delivery planned → partner acknowledged (includes retries);
- wire_to_partner: version received → partner acknowledged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.translate.interface import PASSTHROUGH
from shared.models import (
    Delivery,
    DeliveryAttempt,
    Story,
    StoryState,
    StoryVersion,
    Translation,
)


class LatencyStage(StrEnum):
    """The stretches of the pipeline whose latency is measured (see the module docstring)."""

    TRANSLATION = "translation"
    DELIVERY = "delivery"
    WIRE_TO_PARTNER = "wire_to_partner"


def stories_by_state(db: Session) -> dict[str, int]:
    """Every state, in pipeline order, with how many stories are in it now."""
    counts = dict(db.execute(select(Story.state, func.count()).group_by(Story.state)).all())
    ordered = {state.value: counts.pop(state.value, 0) for state in StoryState}
    return ordered | counts  # states a newer service added, after the known ones


def stage_latencies(db: Session, stage: LatencyStage, since: datetime) -> list[float]:
    """Seconds each item that finished `stage` since `since` took."""
    query: Select[datetime, datetime | None]
    if stage == LatencyStage.TRANSLATION:
        query = (
            select(StoryVersion.received_at, Translation.created_at)
            .join(Translation, Translation.story_version_id == StoryVersion.id)
            .where(Translation.created_at >= since, Translation.engine != PASSTHROUGH)
        )
    elif stage == LatencyStage.DELIVERY:
        query = select(Delivery.created_at, Delivery.delivered_at).where(
            Delivery.delivered_at >= since
        )
    elif stage == LatencyStage.WIRE_TO_PARTNER:
        query = (
            select(StoryVersion.received_at, Delivery.delivered_at)
            .join(Delivery, Delivery.story_version_id == StoryVersion.id)
            .where(Delivery.delivered_at >= since)
        )
    else:
        raise ValueError(f"unknown stage {stage!r}; known: {[s.value for s in LatencyStage]}")
    rows = db.execute(query)  # `end` is never NULL past the filters above; mypy cannot see it
    return [max((end - start).total_seconds(), 0.0) for start, end in rows if end is not None]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Throughput:
    received: int
    translated: int
    delivered: int
    failed_attempts: int


def throughput(db: Session, since: datetime) -> Throughput:
    def count(column: Any, *where: Any) -> int:
        return db.scalar(select(func.count()).select_from(column.table).where(*where)) or 0

    return Throughput(
        received=count(StoryVersion.id, StoryVersion.received_at >= since),
        translated=count(Translation.id, Translation.created_at >= since),
        delivered=count(Delivery.id, Delivery.delivered_at >= since),
        failed_attempts=count(
            DeliveryAttempt.id,
            DeliveryAttempt.started_at >= since,
            DeliveryAttempt.succeeded.is_(False),
        ),
    )


def attempt_outcomes(db: Session, since: datetime) -> dict[str, int]:
    """Delivery attempts started since `since`: how many delivered, how many failed."""
    query = (
        select(DeliveryAttempt.succeeded, func.count())
        .where(DeliveryAttempt.started_at >= since)
        .group_by(DeliveryAttempt.succeeded)
    )
    counts = dict(db.execute(query).all())
    return {"delivered": counts.get(True, 0), "failed": counts.get(False, 0)}
