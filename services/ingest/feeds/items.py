"""A feed item (as feedparser reads it) as a ninjs 2.x story.

Identity: the item's guid (Atom: id) when it has one, else its link; an item with neither
cannot be told apart from the next poll's copy and is refused. A guid that is not a URI (e.g.
"12345") is made one within the source (`services.ingest.identity`), so two feeds' "12345"
never collide.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.ingest.identity import story_uri as scoped_uri


class ItemError(ValueError):
    """One feed item cannot become a story."""


def item_ref(entry: dict[str, Any], position: int) -> str:
    """How to name the item in an error: guid, link, title, or its place in the feed."""
    for key in ("id", "link", "title"):
        if entry.get(key):
            return str(entry[key])[:300]
    return f"(item {position + 1})"


def story_uri(entry: dict[str, Any], source_name: str) -> str:
    guid = str(entry.get("id") or "").strip()
    if guid:
        return scoped_uri(guid, source_name)
    link = str(entry.get("link") or "").strip()
    if link:
        return link
    raise ItemError("the item has neither a guid nor a link, so it cannot be identified")


def story_from_entry(
    entry: dict[str, Any],
    feed: dict[str, Any],
    source_name: str,
    full_text: Callable[[str], str | None] | None = None,
) -> dict[str, Any]:
    """The ninjs story for `entry`; `full_text(link)` fetches the article for teaser-only items."""
    doc: dict[str, Any] = {"uri": story_uri(entry, source_name), "type": "text"}
    if entry.get("title"):
        doc["headlines"] = [{"role": "main", "value": str(entry["title"])}]
    doc |= _texts(entry, full_text)
    doc |= _dates(entry)
    language = _language(entry, feed)
    if language:
        doc["language"] = language
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    if author:
        doc["by"] = str(author)
    tags = [str(tag.get("term")) for tag in entry.get("tags") or [] if tag.get("term")]
    if tags:
        doc["subjects"] = [{"name": tag} for tag in tags]
    if entry.get("link"):
        doc["altids"] = [{"role": "link", "value": str(entry["link"])}]
    if feed.get("rights"):
        doc["copyrightnotice"] = str(feed["rights"])
    return doc


def _texts(entry: dict[str, Any], full_text: Callable[[str], str | None] | None) -> dict[str, Any]:
    content = _html_content(entry)
    summary = str(entry.get("summary") or "")
    if not content and full_text is not None and entry.get("link"):
        content = full_text(str(entry["link"])) or ""
    if not content:
        content, summary = summary, ""
    texts: dict[str, Any] = {}
    if content:
        texts["bodies"] = [{"role": "main", "contenttype": "text/html", "value": content}]
    if summary and summary != content:
        texts["descriptions"] = [{"role": "summary", "contenttype": "text/html", "value": summary}]
    return texts


def _html_content(entry: dict[str, Any]) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return str(content["value"])
    return ""


def _dates(entry: dict[str, Any]) -> dict[str, str]:
    dates = {}
    updated = _changed_at(entry)
    if updated:
        dates["versioncreated"] = _iso(updated)
    if _raw(entry, "published_parsed"):
        dates["firstcreated"] = _iso(_raw(entry, "published_parsed"))
    return dates


def _raw(entry: dict[str, Any], key: str) -> Any:
    # FeedParserDict.get maps "updated" to "published" with a DeprecationWarning; plain
    # dict.get does not.
    return dict.get(entry, key)


def _changed_at(entry: dict[str, Any]) -> Any:
    return _raw(entry, "updated_parsed") or _raw(entry, "published_parsed")


def _iso(parsed: Any) -> str:
    # feedparser gives UTC as a time.struct_time.
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _language(entry: dict[str, Any], feed: dict[str, Any]) -> str | None:
    for detail in (entry.get("content") or [{}])[0], entry.get("title_detail") or {}:
        if detail.get("language"):
            return str(detail["language"])
    return str(feed["language"]) if feed.get("language") else None


def published_at(entry: dict[str, Any]) -> float:
    """Sort key, newest first: when the item was last changed (0 when it does not say)."""
    parsed = _changed_at(entry)
    return float(calendar.timegm(parsed)) if parsed else 0.0
