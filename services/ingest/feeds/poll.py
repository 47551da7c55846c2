"""One poll of one feed source: fetch, read, take each item in, write down how it went.

Network work happens outside database transactions. feedparser never loads DTDs or external
entities, and a feed that declares entities at all is refused before it is parsed. Items are
taken in small batches, each in its own savepoint, so one broken item is recorded and skipped
while the rest go in. The feed's ETag, Last-Modified and digest are saved only after every item
was taken, so a poll that dies half-way is simply repeated.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

import feedparser
from sqlalchemy import select

from services.ingest import source_health
from services.ingest.documents import IntakeCounts, take_once
from services.ingest.feeds import items
from services.ingest.feeds.fetch import FeedUnavailable, Fetched, fetch
from services.ingest.feeds.fulltext import article_html
from shared import db as database
from shared import ninjs
from shared.config import get_settings
from shared.models import Source, Story

#: Items taken per transaction: short write locks, few commits.
BATCH = 50
#: Where the root element starts; entity declarations can only come before it.
FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
ENTITIES_REFUSED = (
    "the feed declares XML entities: refused (protection against XXE and entity bombs)"
)


@dataclass
class PollResult(IntakeCounts):
    source: str
    outcome: str  # "not modified", "unchanged", "read", "failed"
    items: int = 0
    refused: int = 0
    #: Later items with a guid (or link) an earlier item of the same document already has.
    repeated: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.outcome != "read":
            return f"{self.source}: {self.outcome}" + "".join(f"; {n}" for n in self.notes)
        counts = f"{self.items} items: {self.stored} stored, {self.duplicates} known"
        if self.repeated:
            counts += f", {self.repeated} skipped (repeated guid)"
        if self.conflicts:
            counts += f", {self.conflicts} conflicting"
        return f"{self.source}: {counts}, {self.refused} refused" + "".join(
            f"; {n}" for n in self.notes
        )


@dataclass(frozen=True)
class FeedSource:
    """What a poll needs to know about its source, read in a short transaction."""

    id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    digest: str | None
    fetch_full_text: bool


def poll_feed(source_id: int) -> PollResult:
    source = _load(source_id)
    settings = get_settings()
    try:
        fetched = fetch(source.url, source.etag, source.last_modified, settings.max_feed_bytes)
    except FeedUnavailable as exc:
        return _failed(source, str(exc))
    if fetched.body is None:
        return _finish(source, fetched, None, PollResult(source.name, "not modified"))
    digest = hashlib.sha256(fetched.body).hexdigest()
    if digest == source.digest:
        return _finish(source, fetched, digest, PollResult(source.name, "unchanged"))
    if declares_entities(fetched.body):
        return _failed(source, ENTITIES_REFUSED)
    parsed = _parse(fetched, source.url)
    if not parsed.entries and (not parsed.get("version") or _complaint(parsed)):
        why = _complaint(parsed) or "no RSS or Atom found"
        return _failed(source, f"not a readable feed: {why}")
    result = PollResult(source.name, "read")
    _take_entries(source, parsed, result, settings.max_feed_items)
    return _finish(source, fetched, digest, result)


def _load(source_id: int) -> FeedSource:
    with database.session() as db:
        source = db.get_one(Source, source_id)
        if not source.url:
            raise ValueError(f"source {source.name} has no feed URL")
        return FeedSource(
            source.id,
            source.name,
            source.url,
            source.etag,
            source.last_modified,
            source.feed_digest,
            source.fetch_full_text,
        )


def _parse(fetched: Fetched, url: str) -> Any:
    headers = {"content-location": url}
    if fetched.content_type:
        headers["content-type"] = fetched.content_type
    # A byte stream, never a string: feedparser would take a string for a URL or a file name.
    return feedparser.parse(io.BytesIO(fetched.body or b""), response_headers=headers)


def declares_entities(body: bytes) -> bool:
    """True when the prolog (before the root element) declares XML entities."""
    root = FIRST_ELEMENT.search(body)
    return b"<!ENTITY" in body[: root.start() if root else len(body)]


def _complaint(parsed: Any) -> str | None:
    """What feedparser found wrong with the document, unless it is only a missing Content-Type."""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is None or isinstance(problem, feedparser.NonXMLContentType):
        return None
    return str(problem)


def _take_entries(source: FeedSource, parsed: Any, result: PollResult, cap: int) -> None:
    result.items = len(parsed.entries)
    entries = _first_of_each_guid(parsed.entries, source.name, result)
    if len(entries) > cap:
        # Newest first (feeds usually are; undated items keep their place after dated ones).
        entries = sorted(entries, key=items.published_at, reverse=True)[:cap]
        note = f"the feed has {len(parsed.entries):,} items; only the newest {cap:,} are taken"
        result.notes.append(note)
        _record(source, source_health.WHOLE_SOURCE, note)
    complaint = _complaint(parsed)
    if complaint:
        note = f"the feed is not clean XML ({complaint}); read leniently"
        result.notes.append(note)
        _record(source, source_health.WHOLE_SOURCE, note)
    known = _known_uris(source, entries) if source.fetch_full_text else set()
    docs = [_story(source, entry, n, parsed.feed, known, result) for n, entry in enumerate(entries)]
    ready = [doc for doc in docs if doc is not None]
    for start in range(0, len(ready), BATCH):
        _take_batch(source, ready[start : start + BATCH], result)


def _first_of_each_guid(
    entries: list[dict[str, Any]], source_name: str, result: PollResult
) -> list[dict[str, Any]]:
    """The entries without later copies: a feed that repeats a guid gives one story per poll,
    always the first copy, so polls never alternate between the copies' texts."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        try:
            uri = items.story_uri(entry, source_name)
        except items.ItemError:
            kept.append(entry)  # refused with its reason later
            continue
        if uri in seen:
            result.repeated += 1
            continue
        seen.add(uri)
        kept.append(entry)
    return kept


def _story(
    source: FeedSource,
    entry: dict[str, Any],
    position: int,
    feed: dict[str, Any],
    known: set[str],
    result: PollResult,
) -> tuple[str, dict[str, Any]] | None:
    ref = items.item_ref(entry, position)
    try:
        uri = items.story_uri(entry, source.name)
        fetcher = article_html if source.fetch_full_text and uri not in known else None
        return ref, items.story_from_entry(entry, feed, source.name, fetcher)
    except items.ItemError as exc:
        result.refused += 1
        _record(source, ref, str(exc))
        return None


def _known_uris(source: FeedSource, entries: list[dict[str, Any]]) -> set[str]:
    uris = set()
    for entry in entries:
        try:
            uris.add(items.story_uri(entry, source.name))
        except items.ItemError:
            continue
    with database.session() as db:
        known = select(Story.uri).where(Story.source_id == source.id, Story.uri.in_(uris))
        return set(db.scalars(known))


def _take_batch(
    source: FeedSource, batch: list[tuple[str, dict[str, Any]]], result: PollResult
) -> None:
    with database.session() as db:
        row = db.get_one(Source, source.id)
        for ref, doc in batch:
            try:
                intake = take_once(db, row, doc, via=f"feed {source.name}", record_duplicates=False)
            except ninjs.InvalidStory as exc:
                result.refused += 1
                reason = "; ".join([str(exc), *exc.problems[:3]])
                source_health.record_item_error(db, source.id, ref, reason)
                continue
            result.count(intake)


def _record(source: FeedSource, ref: str, reason: str) -> None:
    with database.session() as db:
        source_health.record_item_error(db, source.id, ref, reason)


def _finish(
    source: FeedSource, fetched: Fetched, digest: str | None, result: PollResult
) -> PollResult:
    with database.session() as db:
        row = db.get_one(Source, source.id)
        row.etag, row.last_modified = fetched.etag, fetched.last_modified
        if digest is not None:
            row.feed_digest = digest
        source_health.mark_success(row)
    return result


def _failed(source: FeedSource, reason: str) -> PollResult:
    with database.session() as db:
        source_health.mark_failure(db, db.get_one(Source, source.id), reason)
    return PollResult(source.name, "failed", notes=[reason])
