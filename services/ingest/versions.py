"""Which version of a story a document is, and whether it supersedes the current one.

A story is identified by its source and `uri` (`services.ingest.identity`). A wire that numbers
its versions is compared by number (or, for versions that are not numbers, by
`versioncreated`). A document without a `version` (most feed items) gets one: 1 for a new story,
the next number when its content differs from the current version's, and none at all — a
duplicate — when the content is unchanged.

A version that was already received is a duplicate when its content is the same, and a conflict
when it is not: the wire changed a version without numbering the change. "The same content" is
the same `content_digest`: the stored (sanitised, ninjs 2.x) story without the fields that
describe its transport rather than the story (`TRANSPORT_FIELDS`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import ninjs
from shared.models import Story, StoryVersion, utcnow

#: Clock skew tolerated before a `versioncreated` counts as in the future.
FUTURE_SKEW = timedelta(minutes=5)
#: Fields that change between polls or resends of an unchanged item; not part of its content.
#: (`language` is filled in by intake when the wire leaves it out.)
TRANSPORT_FIELDS = ("version", "versioncreated", "language")


@dataclass(frozen=True)
class Placement:
    version: str
    #: None when the document becomes the current version, else why it does not.
    stale: str | None
    #: When the version was made, for ordering: the wire's time, but never later than now.
    created: datetime | None
    #: Set when the wire's `versioncreated` lies in the future.
    future_note: str | None = None
    #: Set when the version was already received with other content: why it conflicts.
    conflict: str | None = None


def place(story: Story | None, doc: dict[str, Any]) -> Placement:
    created, future_note = _created(doc)
    current = story.current_version if story is not None else None
    if "version" in doc:
        version = ninjs.version_of(doc)
        if story is None:
            return Placement(version, None, created, future_note)
        conflict = _conflict(story, version, doc)
        stale = _why_not_newer(story, current, version, created)
        return Placement(version, stale, created, future_note, conflict)
    if current is None or story is None:
        return Placement("1", None, created, future_note)
    if _content(current.ninjs) == _content(doc):
        return Placement(
            current.version, f"content unchanged since version {current.version}", created
        )
    if (
        created is not None
        and current.versioncreated is not None
        and created < current.versioncreated
    ):
        return Placement(current.version, "older than the current version", created)
    return Placement(_next_number(story, current), None, created, future_note)


def _created(doc: dict[str, Any]) -> tuple[datetime | None, str | None]:
    claimed = ninjs.versioncreated(doc)
    now = utcnow()
    if claimed is None or claimed <= now + FUTURE_SKEW:
        return claimed, None
    # A future time would make every genuine later version look older: order it as received.
    note = (
        f"versioncreated {claimed.isoformat()} is in the future; "
        f"ordered as received at {now.isoformat()}"
    )
    return now, note


def _why_not_newer(
    story: Story, current: StoryVersion | None, incoming: str, created: datetime | None
) -> str | None:
    if current is None:
        return None
    if any(v.version == incoming for v in story.versions):
        return f"version {incoming} was already received"
    if _is_newer(incoming, created, current):
        return None
    return f"version {incoming} is older than the current version {current.version}"


def _conflict(story: Story, incoming: str, doc: dict[str, Any]) -> str | None:
    received = next((v for v in story.versions if v.version == incoming), None)
    if received is None or content_digest(received.ninjs) == content_digest(doc):
        return None
    return (
        f"version {incoming} of {story.uri} was already received with different content; "
        "a changed story needs a new version number"
    )


def content_digest(doc: dict[str, Any]) -> str:
    """SHA-256 of the story's content: the same for a resend, different for any change."""
    canonical = json.dumps(_content(doc), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _is_newer(incoming: str, created: datetime | None, current: StoryVersion) -> bool:
    if incoming.isdigit() and current.version.isdigit():
        return int(incoming) > int(current.version)
    if created is not None and current.versioncreated is not None:
        return created > current.versioncreated
    return incoming > current.version


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    # What Syndikat learnt fetching the pictures is no part of what the wire sent.
    sent = ninjs.without_fetch_results(doc)
    return {key: value for key, value in sent.items() if key not in TRANSPORT_FIELDS}


def _next_number(story: Story, current: StoryVersion) -> str:
    taken = {v.version for v in story.versions}
    number = int(current.version) + 1 if current.version.isdigit() else len(taken) + 1
    while str(number) in taken:
        number += 1
    return str(number)
