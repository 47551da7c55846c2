"""A source as operators see it: its settings (never its secret) and how it is doing.

"Items in the last 24 hours" and "last item" are counted from the stored story versions, not
kept as counters. Health is the worst of: disabled, failing (the last poll or scan failed),
overdue (not polled for three intervals: is the scheduler running?), quiet (no new story for
longer than the source's `quiet_after_seconds`, default a day), waiting (nothing received yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.config import without_password
from shared.models import IngestError, Source, StoryVersion, utcnow

DEFAULT_QUIET_AFTER = timedelta(hours=24)
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Activity:
    items_last_24h: int = 0
    last_item_at: datetime | None = None
    errors_last_24h: int = 0


def activity(db: Session, source_ids: Sequence[int]) -> dict[int, Activity]:
    """Per source: story versions taken in the last day, the latest one, and errors.

    Each is read from the (source_id, received_at) index of the versions, so the cost grows with
    the number of sources, not of stories.
    """
    since = utcnow() - DAY
    recent = dict(
        db.execute(
            select(StoryVersion.source_id, func.count())
            .where(StoryVersion.source_id.in_(source_ids), StoryVersion.received_at >= since)
            .group_by(StoryVersion.source_id)
        ).all()
    )
    latest_item = (
        select(func.max(StoryVersion.received_at))
        .where(StoryVersion.source_id == Source.id)
        .scalar_subquery()
    )
    latest = dict(db.execute(select(Source.id, latest_item).where(Source.id.in_(source_ids))).all())
    errors = dict(
        db.execute(
            select(IngestError.source_id, func.count(IngestError.id))
            .where(IngestError.source_id.in_(source_ids), IngestError.last_seen_at >= since)
            .group_by(IngestError.source_id)
        ).all()
    )
    return {
        source_id: Activity(
            recent.get(source_id, 0), latest.get(source_id), errors.get(source_id, 0)
        )
        for source_id in source_ids
    }


def describe(source: Source, seen: Activity, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    health, problems = _health(source, seen, now)
    return {
        "name": source.name,
        "kind": source.kind,
        "url": without_password(source.url),
        "folder": source.folder,
        "language": source.language,
        "attribution": source.attribution_text(),
        "poll_interval_seconds": source.poll_interval_seconds,
        "fetch_full_text": source.fetch_full_text,
        "quiet_after_seconds": source.quiet_after_seconds,
        "enabled": source.enabled,
        "engine_route": source.engine_route,
        "picture_policy": source.picture_policy,
        "has_secret": bool(source.secret),
        "created_at": _iso(source.created_at),
        "status": {
            "health": health,
            "problems": problems,
            "last_attempt_at": _iso(source.last_attempt_at),
            "last_success_at": _iso(source.last_success_at),
            "last_error": source.last_error,
            "last_error_at": _iso(source.last_error_at),
            "failures_in_row": source.failures_in_row,
            "last_item_at": _iso(seen.last_item_at),
            "items_last_24h": seen.items_last_24h,
            "errors_last_24h": seen.errors_last_24h,
            "next_poll_at": _iso(source.next_poll_at),
        },
    }


def describe_all(db: Session, sources: Sequence[Source]) -> list[dict[str, Any]]:
    seen = activity(db, [source.id for source in sources])
    return [describe(source, seen[source.id]) for source in sources]


def _health(source: Source, seen: Activity, now: datetime) -> tuple[str, list[str]]:
    if not source.enabled:
        return "disabled", ["disabled: not polled and pushes are refused"]
    found: list[tuple[str, str]] = []
    if source.failures_in_row:
        found.append(("failing", _failing(source)))
    if source.polled and _overdue(source, now):
        found.append(("overdue", "not polled for three intervals: is the scheduler running?"))
    quiet_after = (
        timedelta(seconds=source.quiet_after_seconds)
        if source.quiet_after_seconds
        else DEFAULT_QUIET_AFTER
    )
    if seen.last_item_at is None:
        if now - source.created_at > quiet_after:
            since = _age(now - source.created_at)
            found.append(("quiet", f"nothing received in the {since} since it was added"))
        elif not found:
            return "waiting", ["nothing received yet"]
    elif now - seen.last_item_at > quiet_after:
        silent, expected = _age(now - seen.last_item_at), _age(quiet_after)
        found.append(("quiet", f"no new story for {silent} (expected within {expected})"))
    if not found:
        return "ok", []
    return found[0][0], [problem for _, problem in found]


def _failing(source: Source) -> str:
    times = "once" if source.failures_in_row == 1 else f"{source.failures_in_row} times in a row"
    return f"failed {times}: {source.last_error}"


def _overdue(source: Source, now: datetime) -> bool:
    expected = timedelta(seconds=3 * source.poll_interval_seconds + 60)
    last = source.last_attempt_at or source.created_at
    return now - last > expected


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 2 else f"{delta.total_seconds() / 60:.0f} min"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def describe_settings(db: Session, source: Source) -> dict[str, Any]:
    """The source's settings as `describe` shows them (no secret, a URL's password masked),
    without the health figures that change by themselves: what the audit log keeps."""
    [shown] = describe_all(db, [source])
    shown.pop("status", None)
    return shown
