"""Reading the times operators type: an ISO 8601 time, or an age such as `90m`, `24h`, `7d`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_AGE = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class InvalidTime(ValueError):
    pass


def parse_since(text: str, now: datetime) -> datetime:
    text = text.strip()
    if match := _AGE.fullmatch(text):
        amount, unit = match.groups()
        return now - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidTime(
            f"{text!r} is neither an ISO 8601 time nor an age like 90m, 24h or 7d"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
