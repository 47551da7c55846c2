"""Pull feeds: a partner's current stories as Atom and as a ninjs JSON list.

A feed holds each story the partner was given, in its latest version (updates applied), with
killed stories removed; newest first. The partner presents a token of its own; only its
SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from services.publish import payload, pictures
from shared import ninjs
from shared.models import (
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Partner,
    Story,
    Translation,
    utcnow,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: Characters XML 1.0 cannot carry; one stray control character must not break a whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ATOM_NS = "http://www.w3.org/2005/Atom"
_WEB = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    story: dict[str, Any]  # ninjs 2.x, attribution and byline applied
    updated: datetime


def new_token(partner: Partner) -> str:
    """A new feed token for `partner` (replacing any old one); shown once, stored hashed."""
    token = secrets.token_urlsafe(32)
    partner.feed_token_hash = _digest(token)
    return token


def token_matches(partner: Partner, token: str | None) -> bool:
    if not token or not partner.feed_token_hash:
        return False
    return hmac.compare_digest(partner.feed_token_hash, _digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_stories(
    db: Session, partner: Partner, limit: int = DEFAULT_LIMIT, media_base: str | None = None
) -> list[FeedItem]:
    """The partner's feed items; picture addresses are built on `media_base` (the address the
    feed was fetched from)."""
    latest_per_story = (
        select(func.max(Delivery.id))
        .where(Delivery.partner_id == partner.id, Delivery.state == DeliveryState.DELIVERED)
        .group_by(Delivery.story_id)
    )
    deliveries = db.scalars(
        select(Delivery)
        .where(Delivery.id.in_(latest_per_story), Delivery.event != DeliveryEvent.KILLED)
        .order_by(Delivery.delivered_at.desc(), Delivery.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))
    ).all()
    english = _translations(db, [d.story_version_id for d in deliveries])
    stories = _stories(db, [d.story_id for d in deliveries])
    return [
        FeedItem(
            story=payload.partner_story(
                english[d.story_version_id], stories[d.story_id].source, partner, media_base
            ),
            updated=d.delivered_at or d.created_at,
        )
        for d in deliveries
        if d.story_version_id in english
    ]


def _translations(db: Session, version_ids: list[int]) -> dict[int, dict[str, Any]]:
    query = select(Translation).where(Translation.story_version_id.in_(version_ids))
    return {t.story_version_id: t.ninjs for t in db.scalars(query)}


def _stories(db: Session, story_ids: list[Any]) -> dict[Any, Story]:
    query = select(Story).where(Story.id.in_(story_ids)).options(selectinload(Story.source))
    return {story.id: story for story in db.scalars(query)}


def atom(partner: Partner, items: list[FeedItem], self_url: str) -> bytes:
    feed = FeedGenerator()
    feed.id(f"urn:syndikat:feed:{partner.name}")
    feed.title(f"Syndikat stories for {partner.name}")
    feed.link(href=self_url, rel="self")
    feed.author({"name": "Syndikat"})
    feed.updated(max((item.updated for item in items), default=utcnow()))
    for item in items:
        _add_entry(feed, item)
    return _with_enclosures(feed.atom_str(pretty=True), items)


def _with_enclosures(atom_xml: bytes, items: list[FeedItem]) -> bytes:
    """Each entry's pictures as `<link rel="enclosure">` (type and length): added here because
    feedgen writes an entry link's href only, dropping its rel, type and length."""
    if not any(pictures.delivered_pictures(item.story) for item in items):
        return atom_xml
    root = etree.fromstring(atom_xml)
    for entry, item in zip(root.iterfind(f"{{{ATOM_NS}}}entry"), items, strict=True):
        for picture in pictures.delivered_pictures(item.story):
            link = etree.SubElement(entry, f"{{{ATOM_NS}}}link", rel="enclosure")
            link.set("href", _xml(picture.href))
            link.set("type", picture.content_type)
            link.set("length", str(picture.size_bytes))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _add_entry(feed: FeedGenerator, item: FeedItem) -> None:
    story = item.story
    entry = feed.add_entry(order="append")
    entry.id(story["uri"])  # stable across versions: a reader replaces the entry on update
    title = ninjs.main_headline(story) or story["uri"]
    entry.title(_xml(title))
    entry.updated(item.updated)
    if created := ninjs.versioncreated(story):
        entry.published(created)
    summary = _summary(story)
    link = _web_link(story)
    if link:
        entry.link(href=_xml(link), rel="alternate")
    shown = pictures.delivered_pictures(story)
    if body := ninjs.main_body(story):
        content, kind = _content(body, shown)
        entry.content(content, type=kind)
    elif shown:
        entry.content(_xml(_figures(shown) + _paragraph(summary or title)), type="html")
    elif summary or not link:
        # Atom needs content or an alternate link: a story without a body (a picture, a
        # teaser) carries its summary, or at least its headline, instead of breaking the feed.
        entry.content(_xml(summary or title), type="text")
    if summary:
        entry.summary(_xml(summary))
    if story.get("by"):
        entry.author({"name": _xml(str(story["by"]))})
    if story.get("copyrightnotice"):
        entry.rights(_xml(str(story["copyrightnotice"])))
    for subject in story.get("subjects") or []:
        if subject.get("uri") or subject.get("name"):
            term = str(subject.get("uri") or subject.get("name"))
            entry.category(term=_xml(term), label=_xml(str(subject.get("name") or term)))


def _content(body: dict[str, Any], shown: list[pictures.Picture]) -> tuple[str, str]:
    """The entry's content and its type: the body, after the story's pictures as figures."""
    value = str(body.get("value") or "")
    is_html = "html" in str(body.get("contenttype", ""))
    if not shown:
        return _xml(value), "html" if is_html else "text"
    return _xml(_figures(shown) + (value if is_html else _paragraph(value))), "html"


def _figures(shown: list[pictures.Picture]) -> str:
    return "".join(
        f'<figure><img src="{escape(p.href)}" alt="{escape(p.alt)}" width="{p.width}" '
        f'height="{p.height}"/><figcaption>{escape(p.caption_with_credit)}</figcaption></figure>'
        for p in shown
    )


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _summary(story: dict[str, Any]) -> str | None:
    values = (d.get("value") for d in story.get("descriptions") or [] if isinstance(d, dict))
    return next((str(value) for value in values if value), None)


def _web_link(story: dict[str, Any]) -> str | None:
    """Where readers find the story on the web: its uri when that is a web address, else the
    first web link (ninjs 3 `links`) or rendition it carries."""
    candidates = [story.get("uri")] + [
        thing.get("href")
        for thing in (story.get("links") or []) + (story.get("renditions") or [])
        if isinstance(thing, dict)
    ]
    return next((c for c in candidates if isinstance(c, str) and _WEB.match(c)), None)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)
