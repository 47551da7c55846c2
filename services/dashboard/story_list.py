"""The story list's query: filters, search and keyset pagination that stay fast at any depth.

Pages are cut by (created_at, id) rather than by OFFSET, so page 2,000 costs what page 1 does;
each filter has an index in that order (see the models' dashboard indexes), and the search has
the search index (`story_search`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from services.dashboard import story_search
from shared.models import Story, StoryState

PAGE_SIZE = 50


class BadFilter(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """The position between two pages: the last (or first) row shown."""

    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return f"{self.created_at.isoformat()}~{self.id.hex}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            when, _, key = text.partition("~")
            return cls(datetime.fromisoformat(when), uuid.UUID(hex=key))
        except ValueError as exc:
            raise BadFilter("this page link is damaged; start again from the newest") from exc


@dataclass(frozen=True)
class StoryFilter:
    q: str = ""
    state: str = ""
    source_id: int | None = None
    language: str = ""
    day_from: date | None = None
    day_to: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> StoryFilter:
        state = args.get("state", "").strip()
        if state and state not in {s.value for s in StoryState}:
            raise BadFilter(f"unknown state {state!r}")
        return cls(
            q=args.get("q", "").strip()[:300],
            state=state,
            source_id=_optional_int(args.get("source", ""), "source"),
            language=args.get("language", "").strip()[:16],
            day_from=_optional_date(args.get("from", ""), "from"),
            day_to=_optional_date(args.get("to", ""), "to"),
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "state": self.state,
            "source": "" if self.source_id is None else str(self.source_id),
            "language": self.language,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {name: value for name, value in values.items() if value}

    def without_search(self) -> StoryFilter:
        return replace(self, q="")


def _optional_int(raw: str, name: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise BadFilter(f"{name} must be a number")
    return int(raw)


def _optional_date(raw: str, name: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadFilter(f"{name} must be a date like 2026-11-29") from exc


@dataclass(frozen=True)
class Page:
    stories: list[Story]
    #: Cursors for the older and the newer neighbouring pages; None where there is none.
    older: Cursor | None
    newer: Cursor | None


def find_page(
    db: Session,
    wanted: StoryFilter,
    zone: ZoneInfo,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    query = _filtered(db, select(Story), wanted, zone)
    if newer_than is not None:
        # Walk up from the cursor, then show the rows newest first as everywhere else.
        query = query.where(_after(newer_than)).order_by(Story.created_at, Story.id)
        rows = list(db.scalars(query.limit(size + 1)))
        has_newer, rows = len(rows) > size, rows[:size]
        rows.reverse()
        return Page(rows, _cursor(rows[-1]) if rows else None, _first(rows) if has_newer else None)
    if older_than is not None:
        query = query.where(_before(older_than))
    query = query.order_by(Story.created_at.desc(), Story.id.desc())
    rows = list(db.scalars(query.limit(size + 1)))
    has_older, rows = len(rows) > size, rows[:size]
    newer = _first(rows) if older_than is not None and rows else None
    return Page(rows, _cursor(rows[-1]) if has_older else None, newer)


def _filtered(db: Session, query: Select[Any], wanted: StoryFilter, zone: ZoneInfo) -> Select[Any]:
    if wanted.state:
        query = query.where(Story.state == wanted.state)
    if wanted.source_id is not None:
        query = query.where(Story.source_id == wanted.source_id)
    if wanted.language:
        query = query.where(Story.language == wanted.language)
    if wanted.day_from:
        query = query.where(Story.created_at >= _start_of(wanted.day_from, zone))
    if wanted.day_to:
        query = query.where(Story.created_at < _start_of(wanted.day_to + timedelta(days=1), zone))
    if wanted.q:
        query = query.where(story_search.matching(db, wanted.q))
    return query


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _before(cursor: Cursor) -> Any:
    # The plain range term first lets the index seek straight to the cursor.
    return and_(
        Story.created_at <= cursor.created_at,
        or_(Story.created_at < cursor.created_at, Story.id < cursor.id),
    )


def _after(cursor: Cursor) -> Any:
    return and_(
        Story.created_at >= cursor.created_at,
        or_(Story.created_at > cursor.created_at, Story.id > cursor.id),
    )


def _cursor(story: Story) -> Cursor:
    return Cursor(story.created_at, story.id)


def _first(rows: list[Story]) -> Cursor | None:
    return _cursor(rows[0]) if rows else None
