"""The story format Syndikat speaks in and out: IPTC ninjs 2.x.

The 2.2 JSON schema ships with the package (`shared/schemas/`), beside the 3.0 and 3.1 ones that
ninjs 3.x documents are checked against before intake maps them to 2.x. These helpers read and
write the few fields every service needs, so no service digs through a story's JSON on its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parent / "schemas"
SCHEMA_PATH = SCHEMAS / "ninjs-schema_2.2.json"
#: The ninjs schemas refer to GeoJSON's on the web; it is never fetched (a place's `geojson` is
#: only checked to be an object).
GEOJSON_SCHEMA = "https://geojson.org/schema/GeoJSON.json"
KILLED = "canceled"
WITHHELD = "withheld"


class InvalidStory(ValueError):
    """The document is not a ninjs 2.x story Syndikat can take."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class NotAStory(InvalidStory):
    """A readable item that is not a story: an event listing, a package, an empty item."""


@cache
def _validator(schema_version: str = "2.2") -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"ninjs-schema_{schema_version}.json").read_text())
    geojson = DRAFT202012.create_resource({"type": "object"})
    return Draft202012Validator(schema, registry=Registry().with_resource(GEOJSON_SCHEMA, geojson))


def problems(doc: Any, schema_version: str = "2.2") -> list[str]:
    """What makes `doc` invalid ninjs (2.2, or "3.0"/"3.1"), one line each (empty when valid)."""
    if not isinstance(doc, dict):
        return ["a ninjs story is a JSON object"]
    found = []
    errors = _validator(schema_version).iter_errors(doc)
    for error in sorted(errors, key=lambda e: [str(part) for part in e.absolute_path]):
        where = "/".join(str(part) for part in error.absolute_path) or "(story)"
        found.append(f"{where}: {error.message[:300]}")
    return found


def validate(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict) or not doc.get("uri"):
        raise InvalidStory("a story needs a `uri`", ["uri: required"])
    found = problems(doc)
    if found:
        raise InvalidStory("not a valid ninjs 2.x story", found[:20])
    return doc


def version_of(doc: dict[str, Any]) -> str:
    return str(doc.get("version") or "1")


def pubstatus(doc: dict[str, Any]) -> str:
    return str(doc.get("pubstatus") or "usable")


def language(doc: dict[str, Any]) -> str | None:
    value = doc.get("language")
    return value.split("-")[0].lower() if isinstance(value, str) and value else None


def versioncreated(doc: dict[str, Any]) -> datetime | None:
    return _time(doc.get("versioncreated"))


def embargoed(doc: dict[str, Any]) -> datetime | None:
    """When the story may be published, if the wire set an embargo (None: no embargo, or one
    that is not a time; ingest refuses the latter, see `services.ingest.intake`)."""
    return _time(doc.get("embargoed"))


def _time(raw: Any) -> datetime | None:
    """An ISO 8601 time, UTC when it names no zone; None when `raw` is not one."""
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main_headline(doc: dict[str, Any]) -> str | None:
    headlines = doc.get("headlines") or []
    for headline in headlines:
        if headline.get("role") in (None, "main"):
            return headline.get("value")
    return headlines[0].get("value") if headlines else None


def main_body(doc: dict[str, Any]) -> dict[str, Any] | None:
    bodies = doc.get("bodies") or []
    for body in bodies:
        if body.get("role") in (None, "main"):
            return body
    return bodies[0] if bodies else None


# --- Pictures -----------------------------------------------------------------------------------
# A picture is an association with `type: "picture"` and `renditions`. ninjs 2.x has no place for
# a credit line or alt text, nor for what Syndikat learnt fetching the picture: those travel in
# extension keys (refused by the schema, so intake sets them aside while it validates).

PICTURE = "picture"
#: The credit line as the wire sent it ("Foto: dpa").
CREDIT = "x-syndikat-credit"
#: Alternative text for readers who cannot see the picture.
ALT_TEXT = "x-syndikat-alt"
#: What ingest fetched and stored: sha256, content_type, width, height, size_bytes.
MEDIA = "x-syndikat-media"
#: Why the picture could not be fetched or was refused.
MEDIA_ERROR = "x-syndikat-media-error"
#: Extension keys a wire may send; the others only Syndikat writes.
WIRE_EXTENSIONS = (CREDIT, ALT_TEXT)
EXTENSIONS = (CREDIT, ALT_TEXT, MEDIA, MEDIA_ERROR)


def pictures(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The story's picture associations (the dicts themselves: changing one changes `doc`)."""
    associations = doc.get("associations")
    if not isinstance(associations, list):
        return []
    return [a for a in associations if isinstance(a, dict) and a.get("type") == PICTURE]


def caption(picture: dict[str, Any]) -> str | None:
    """A picture's caption: its first description, else its first body."""
    for field in ("descriptions", "bodies"):
        for item in picture.get(field) or []:
            if isinstance(item, dict) and item.get("value"):
                return str(item["value"])
    return None


def without_fetch_results(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` without what fetching its pictures added (to compare it with what a wire sends)."""
    associations = doc.get("associations")
    if not isinstance(associations, list):
        return doc
    return doc | {
        "associations": [
            {k: v for k, v in a.items() if k not in (MEDIA, MEDIA_ERROR)}
            if isinstance(a, dict)
            else a
            for a in associations
        ]
    }
