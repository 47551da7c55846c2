"""ninjs 3.x in, ninjs 2.x out: IPTC's current version, mapped to the form Syndikat stores.

3.x names in camelCase what 2.x names in lower case (`versionCreated`, `contentType`, `altIds`,
`geoJSON`, …) and calls the embargo `embargoedUntil`. It also carries what 2.x has no place for:
event and planning items (`type: event|planning`, `eventDetails`, `plannedCoverage`), more about
renditions (`aspectRatio`, `videoCodec`, …), an association's `rel`, an event's `id`. A 3.x
document is checked against its own schema first, so a refusal speaks of 3.x; event and planning
items are refused (they are not stories); the rest 2.x cannot carry is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from shared import ninjs

SCHEMA_VERSIONS = ("3.0", "3.1")
LATEST = "3.1"
#: How a document names the schema it follows: `$schema` or `standard.schema` URIs.
SCHEMA_URI = re.compile(r"ninjs-schema_(\d+)\.(\d+)")
#: The short look at what is wrong shown in the refusal's message (all of it is in its details).
ERRORS_IN_MESSAGE = 3
ERROR_CHARS = 120

RENAMED = {"embargoeduntil": "embargoed"}
#: Only 3.x has these at a story's top level.
DROPPED = ("$schema", "standard", "eventdetails", "plannedcoverage")
RENDITION_KEYS = (
    "name",
    "href",
    "contenttype",
    "title",
    "height",
    "width",
    "sizeinbytes",
    "duration",
    "format",
)
EVENT_KEYS = ("name", "rel", "uri", "literal")
#: The 2.x spelling of 3.x's camelCase top-level names: a document using one of them is 2.x,
#: whatever stray camelCase name it also has (and is refused as invalid 2.x, not 3.x).
V2_NAMES = {
    "altids",
    "contentcreated",
    "copyrightholder",
    "copyrightnotice",
    "digitalsourcetype",
    "ednote",
    "embargoed",
    "firstcreated",
    "infosources",
    "pubstatus",
    "representationtype",
    "rightsinfo",
    "trustindicators",
    "usageterms",
    "versioncreated",
}
NOT_STORIES = {
    "event": "an event listing, not a story",
    "planning": "a planning item (coverage being planned), not a story",
}


def schema_version(doc: Any) -> str | None:
    """ "3.0" or "3.1" when `doc` is ninjs 3.x (declared, or told by its camelCase names)."""
    if not isinstance(doc, dict):
        return None
    declared = _declared(doc)
    if declared is not None:
        major, minor = declared
        if major != "3":
            return None
        return f"3.{minor}" if f"3.{minor}" in SCHEMA_VERSIONS else LATEST
    if V2_NAMES & doc.keys():
        return None
    return LATEST if _has_camel_case(doc) else None


def upgrade(doc: dict[str, Any], version: str) -> dict[str, Any]:
    """The 2.x form of a 3.x document; raises `ninjs.InvalidStory` when it is no 3.x story."""
    checked = {key: value for key, value in doc.items() if key != "$schema"}
    found = ninjs.problems(checked, version)
    if found:
        short = "; ".join(problem[:ERROR_CHARS] for problem in found[:ERRORS_IN_MESSAGE])
        raise ninjs.InvalidStory(f"not a valid ninjs 3.x story: {short}", found[:20])
    kind = checked.get("type")
    if kind in NOT_STORIES:
        raise ninjs.NotAStory(f"a ninjs {version} {kind} item is {NOT_STORIES[kind]}")
    return _to_v2(_lower_keys(checked))


def _declared(doc: dict[str, Any]) -> tuple[str, str] | None:
    declared = doc.get("standard")
    standard: dict[str, Any] = declared if isinstance(declared, dict) else {}
    for uri in (doc.get("$schema"), standard.get("schema")):
        found = SCHEMA_URI.search(uri) if isinstance(uri, str) else None
        if found:
            return found.group(1), found.group(2)
    version = standard.get("version")
    if standard.get("name", "ninjs") == "ninjs" and isinstance(version, str) and version:
        major, _, minor = version.partition(".")
        return major, minor or "0"
    return None


def _has_camel_case(value: Any) -> bool:
    """Any property name with a capital letter: 1.x and 2.x name every property in lower case."""
    if isinstance(value, list):
        return any(_has_camel_case(item) for item in value)
    if not isinstance(value, dict):
        return False
    return any(
        (key != key.lower() and key != "$schema") or (key != "geoJSON" and _has_camel_case(item))
        for key, item in value.items()
    )


def _lower_keys(value: Any) -> Any:
    """Every property name in lower case, except inside GeoJSON (not ninjs, kept as sent)."""
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key.lower(): (item if key == "geoJSON" else _lower_keys(item))
        for key, item in value.items()
    }


def _to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    new = {RENAMED.get(key, key): value for key, value in doc.items() if key not in DROPPED}
    if isinstance(new.get("renditions"), list):
        new["renditions"] = [_only(r, RENDITION_KEYS) for r in new["renditions"]]
    if isinstance(new.get("events"), list):
        new["events"] = [_only(event, EVENT_KEYS) for event in new["events"]]
    if isinstance(new.get("associations"), list):
        new["associations"] = [
            _to_v2({key: value for key, value in item.items() if key != "rel"})
            for item in new["associations"]
            if item.get("type") not in NOT_STORIES  # 2.x cannot attach an event listing
        ]
    return new


def _only(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: item[key] for key in keys if key in item}
