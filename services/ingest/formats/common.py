"""Small conversions the XML formats share."""

from __future__ import annotations

from datetime import UTC, datetime

from shared import ninjs

PUBSTATUSES = ("usable", "withheld", "canceled")


def iso_datetime(value: str | None, what: str) -> str | None:
    """An ISO 8601 time (basic or extended) as ninjs wants it; None when absent."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ninjs.InvalidStory(f"{what} {value!r} is not an ISO 8601 date and time") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def pubstatus(value: str | None) -> str | None:
    """`stat:canceled`, `canceled` → `canceled`; unknown statuses are refused."""
    if not value:
        return None
    status = value.rsplit(":", 1)[-1].strip().lower()
    if status == "embargoed":
        return "usable"  # the embargo time travels in `embargoed`
    if status not in PUBSTATUSES:
        raise ninjs.InvalidStory(f"unknown publication status {value!r}")
    return status


def urgency(value: str | None) -> int | None:
    return integer(value)


def integer(value: str | None) -> int | None:
    """A whole number from an attribute; None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def without_empty(doc: dict) -> dict:
    return {key: value for key, value in doc.items() if value not in (None, "", [])}
