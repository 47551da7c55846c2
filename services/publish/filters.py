"""Which stories a partner takes: by language, subject, source and urgency.

A partner's `filters` is a JSON object; every key is optional and an empty object takes all:

    {"languages": ["de"], "subjects": ["Politik", "11000000"], "sources": ["hnd"], "urgency": 3}

- `languages`: the language the wire wrote the story in (every story goes out in English).
- `subjects`: any of the story's subjects, by name, URI or the URI's last part (a code).
- `sources`: the names of the sources (`syndikat sources list`).
- `urgency`: the highest urgency number taken (1 is the most urgent); a story without an urgency
  does not pass an urgency filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LIST_KEYS = ("languages", "subjects", "sources")
KEYS = (*LIST_KEYS, "urgency")


class InvalidFilters(ValueError):
    pass


@dataclass(frozen=True)
class Candidate:
    """What filters look at in a story version."""

    source: str
    language: str | None
    #: The wire's story and its English rendering: subjects may sit in either.
    documents: tuple[dict[str, Any], ...]

    @property
    def urgency(self) -> float | None:
        for doc in self.documents:
            value = doc.get("urgency")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
        return None

    def subject_keys(self) -> set[str]:
        keys: set[str] = set()
        for doc in self.documents:
            for subject in doc.get("subjects") or []:
                if isinstance(subject, dict):
                    keys |= _subject_keys(subject)
        return keys


def _subject_keys(subject: dict[str, Any]) -> set[str]:
    keys = {str(subject[k]).strip().lower() for k in ("name", "uri") if subject.get(k)}
    uri = str(subject.get("uri") or "").rstrip("/")
    if uri:
        keys.add(uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower())
    return keys


def matches(filters: dict[str, Any], story: Candidate) -> bool:
    return all(
        _passes(key, wanted, story) for key, wanted in filters.items() if wanted not in (None, [])
    )


def _passes(key: str, wanted: Any, story: Candidate) -> bool:
    if key == "languages":
        return (story.language or "").lower() in _lowered(wanted)
    if key == "sources":
        return story.source.lower() in _lowered(wanted)
    if key == "subjects":
        return bool(_lowered(wanted) & story.subject_keys())
    if key == "urgency":
        return story.urgency is not None and story.urgency <= wanted
    return True


def _lowered(values: Iterable[str]) -> set[str]:
    return {value.strip().lower() for value in values}


def validate(raw: Any) -> dict[str, Any]:
    """Clean filters, or `InvalidFilters` saying what is wrong."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidFilters("filters must be a JSON object")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise InvalidFilters(f"unknown filter {unknown[0]!r}; known: {', '.join(KEYS)}")
    clean: dict[str, Any] = {}
    for key in LIST_KEYS:
        values = raw.get(key)
        if values in (None, []):
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise InvalidFilters(f"filter {key!r} must be a list of non-empty strings")
        clean[key] = sorted({v.strip() for v in values})
    urgency = raw.get("urgency")
    if urgency is not None:
        if isinstance(urgency, bool) or not isinstance(urgency, int) or not 1 <= urgency <= 9:
            raise InvalidFilters("filter 'urgency' must be a whole number from 1 to 9")
        clean["urgency"] = urgency
    return clean
