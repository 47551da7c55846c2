"""Which version of a story a document is, and whether it supersedes the current one.

A story is identified by its `uri`. A wire that numbers its versions is compared by number (or,
for versions that are not numbers, by `versioncreated`). A document without a `version` (most
feed items) gets one: 1 for a new story, the next number when its content differs from the
current version's, and none at all — a duplicate — when the content is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import ninjs
from shared.models import Story, StoryVersion, utcnow

#: Clock skew tolerated before a `versioncreated` counts as in the future.
FUTURE_SKEW = timedelta(minutes=5)
#: Fields that change between polls of an unchanged item; not part of its content.
VOLATILE_FIELDS = ("version", "versioncreated", "language")


@dataclass(frozen=True)
class Placement:
    version: str
    #: None when the document becomes the current version, else why it does not.
    stale: str | None
    #: When the version was made, for ordering: the wire's time, but never later than now.
    created: datetime | None
    #: Set when the wire's `versioncreated` lies in the future.
    future_note: str | None = None


def place(story: Story | None, doc: dict[str, Any]) -> Placement:
    created, future_note = _created(doc)
    current = story.current_version if story is not None else None
    if "version" in doc:
        version = ninjs.version_of(doc)
        stale = _why_not_newer(story, current, version, created) if story else None
        return Placement(version, stale, created, future_note)
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


def _is_newer(incoming: str, created: datetime | None, current: StoryVersion) -> bool:
    if incoming.isdigit() and current.version.isdigit():
        return int(incoming) > int(current.version)
    if created is not None and current.versioncreated is not None:
        return created > current.versioncreated
    return incoming > current.version


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key not in VOLATILE_FIELDS}


def _next_number(story: Story, current: StoryVersion) -> str:
    taken = {v.version for v in story.versions}
    number = int(current.version) + 1 if current.version.isdigit() else len(taken) + 1
    while str(number) in taken:
        number += 1
    return str(number)
