"""How the pages show times, durations and counts: times in the configured time zone, in one
format with the zone's name ("2026-12-01 23:05:00 CET"), also where a service wrote an ISO 8601
time into a text (a story's state detail, a timeline entry: "retry at 2026-12-01T22:05:00+00:00");
counts with the noun in the right number ("1 attempt", "3 attempts")."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from services.publish import interface as publish
from shared.models import utcnow


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when, ago=ago, seconds=seconds, times_in=times_in, counted=counted
    )


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DASHBOARD_TIMEZONE"])


def when(value: datetime | str | None) -> str:
    """A time (or an ISO 8601 time as the services' JSON descriptions give it) in the zone."""
    if not value:
        return "–"
    return _moment(value).astimezone(local_zone()).strftime(TIME_FORMAT)


TIME_FORMAT = "%Y-%m-%d %H:%M:%S %Z"
#: An ISO 8601 time with its offset, as the services write them into texts.
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def times_in(text: str | None) -> str:
    """`text` with every ISO 8601 time in it shown like `when` shows times."""
    if not text:
        return ""
    return ISO_TIME.sub(lambda found: when(found.group(0).replace("Z", "+00:00")), text)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 attempt', '0 attempts', '2 attempts' (or the plural given, for 'entry' → 'entries')."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def ago(value: datetime | str | None) -> str:
    if not value:
        return "never"
    return seconds((utcnow() - _moment(value)).total_seconds()) + " ago"


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def seconds(value: float | None) -> str:
    """3.2 s, 4 min 10 s, 2 h 5 min, 3 d 4 h."""
    if value is None:
        return "–"
    if value < 60:
        return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
    minutes, secs = divmod(int(value), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def since_time(text: str) -> datetime | None:
    """An age (90m, 24h, 7d) or a time; a time without a zone is in the dashboard's zone."""
    if not text:
        return None
    try:
        written = datetime.fromisoformat(text)
    except ValueError:
        return publish.parse_since(text, utcnow())  # an age, or a clear error
    if written.tzinfo is None:
        written = written.replace(tzinfo=local_zone())
    return publish.parse_since(written.isoformat(), utcnow())
