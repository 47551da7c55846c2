"""What Syndikat takes as a story, and what it holds or refuses instead.

A story is text someone can read: it has a headline or body text (a letter or digit, not a
placeholder such as "..."). An item with neither is refused. Pictures, video, audio and
graphics are stored but held (state `held`) until Syndikat handles media: nothing is lost, and
they are never published as empty stories. A kill needs neither headline nor body: it
withdraws what went out.
"""

from __future__ import annotations

from typing import Any

from services.ingest import sanitize
from shared import ninjs

MEDIA_TYPES = ("picture", "video", "audio", "graphic")


def check(doc: dict[str, Any]) -> None:
    """Raise `ninjs.NotAStory` when `doc` (clean ninjs 2.x) is a text with nothing to read."""
    if ninjs.pubstatus(doc) == ninjs.KILLED or media_type(doc) is not None:
        return
    if not _has_text(doc.get("headlines")) and not _has_text(doc.get("bodies")):
        raise ninjs.NotAStory(
            f"the item {doc.get('uri')} has neither a headline nor body text: not a story"
        )


def media_type(doc: dict[str, Any]) -> str | None:
    """ "picture", "video", … for a media item; None for a text (or composite) story."""
    kind = doc.get("type")
    return kind if kind in MEDIA_TYPES else None


def hold_reason(doc: dict[str, Any]) -> str | None:
    """Why a version is held rather than translated and published; None when it goes on."""
    kind = media_type(doc)
    if kind is None:
        return None
    return f"held: a {kind} item, not a text story; kept until Syndikat handles {kind}s"


def _has_text(items: Any) -> bool:
    for item in items or []:
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, str) and any(c.isalnum() for c in sanitize.text_of(value)):
            return True
    return False
