"""Pictures as partners receive them: Syndikat's own signed copy, never the wire's address.

Syndikat stores a picture as an association (`associations.<name>`, `type: picture`) with its
captions, credit and `x-syndikat-media` (the fetched bytes' hash and size). A partner gets it as
valid ninjs 2.x: an entry of the `associations` list with its `name`, `headlines` (the picture's
headline), `descriptions` (roles `caption`, `alt` and `credit`), `by`, `copyrightnotice`,
`usageterms`, and one rendition, `original`, pointing at `/v1/media/<sha256>` with the width,
height, content type and size of the bytes Syndikat fetched and checked. A picture whose fetch
failed is left out: the wire's own URLs are not passed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.publish import media_urls
from shared import ninjs

MEDIA = "x-syndikat-media"
CREDIT = "x-syndikat-credit"
ALT = "x-syndikat-alt"
#: What a delivered picture keeps of the stored association as it is.
KEPT = ("by", "copyrightnotice", "copyrightholder", "usageterms", "version", "versioncreated")
#: Description roles of a delivered picture.
CAPTION, ALT_TEXT, CREDIT_LINE = "caption", "alt", "credit"


@dataclass(frozen=True)
class Picture:
    """A fetched picture of a story, as a publishing method needs it."""

    name: str
    sha256: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    caption: str = ""
    alt: str = ""
    credit: str = ""
    headline: str = ""
    #: The partner's address for it (a delivered picture).
    href: str = ""
    #: Where the media store keeps its bytes (from the `media` table, for uploads).
    storage_key: str = ""

    @property
    def caption_with_credit(self) -> str:
        return " ".join(part for part in (self.caption, self.credit) if part)


def stored_pictures(story: dict[str, Any]) -> list[Picture]:
    """The fetched pictures of a stored (or translated) story, in its order."""
    return [
        _stored(name, item)
        for name, item in _named_associations(story)
        if _is_picture(item) and isinstance(item.get(MEDIA), dict) and item[MEDIA].get("sha256")
    ]


def for_partners(story: dict[str, Any], now: datetime, base: str | None = None) -> None:
    """Rewrite `story`'s associations in place as partners get them (see the module doc)."""
    if "associations" not in story:
        return
    fetched = {picture.name: picture for picture in stored_pictures(story)}
    delivered = []
    for name, item in _named_associations(story):
        if not _is_picture(item):
            delivered.append({"name": name} | item)
        elif name in fetched:
            delivered.append(_delivered(fetched[name], item, now, base))
    if delivered:
        story["associations"] = delivered
    else:
        del story["associations"]


def delivered_pictures(story: dict[str, Any]) -> list[Picture]:
    """The pictures of a story as delivered (`for_partners`), with their addresses."""
    found = []
    for name, item in _named_associations(story):
        renditions = item.get("renditions") if _is_picture(item) else None
        if not isinstance(renditions, list) or not renditions:
            continue
        original = renditions[0]
        roles = {d.get("role"): str(d.get("value") or "") for d in item.get("descriptions") or []}
        headlines = item.get("headlines") or [{}]
        found.append(
            Picture(
                name=name,
                sha256="",
                content_type=str(original.get("contenttype") or ""),
                width=int(original.get("width") or 0),
                height=int(original.get("height") or 0),
                size_bytes=int(original.get("sizeinbytes") or 0),
                caption=roles.get(CAPTION, ""),
                alt=roles.get(ALT_TEXT, ""),
                credit=roles.get(CREDIT_LINE, ""),
                headline=str(headlines[0].get("value") or ""),
                href=str(original.get("href") or ""),
            )
        )
    return found


def _named_associations(story: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    associations = story.get("associations")
    if isinstance(associations, dict):
        named = list(associations.items())
    elif isinstance(associations, list):
        named = [(a.get("name", i), a) for i, a in enumerate(associations) if isinstance(a, dict)]
    else:
        return []
    return [(str(name), item) for name, item in named if isinstance(item, dict)]


def _is_picture(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") == "picture"


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else ""


def _stored(name: str, item: dict[str, Any]) -> Picture:
    media = item[MEDIA]
    return Picture(
        name=name,
        sha256=str(media["sha256"]),
        content_type=str(media.get("content_type") or "application/octet-stream"),
        width=int(media.get("width") or 0),
        height=int(media.get("height") or 0),
        size_bytes=int(media.get("size_bytes") or 0),
        caption=ninjs.caption(item) or _text(item, "body_text") or _text(item, "description_text"),
        alt=_text(item, ALT),
        credit=_text(item, CREDIT),
        headline=_text(item, "headline") or (ninjs.main_headline(item) or "").strip(),
    )


def _delivered(
    picture: Picture, item: dict[str, Any], now: datetime, base: str | None
) -> dict[str, Any]:
    delivered: dict[str, Any] = {
        "name": picture.name,
        "uri": str(item.get("uri") or f"urn:syndikat:media:{picture.sha256}"),
        "type": "picture",
    }
    if picture.headline:
        delivered["headlines"] = [{"role": "main", "value": picture.headline}]
    roles = {CAPTION: picture.caption, ALT_TEXT: picture.alt, CREDIT_LINE: picture.credit}
    descriptions = [
        {"role": role, "contenttype": "text/plain", "value": value}
        for role, value in roles.items()
        if value
    ]
    if descriptions:
        delivered["descriptions"] = descriptions
    delivered |= {key: item[key] for key in KEPT if isinstance(item.get(key), str)}
    delivered["renditions"] = [
        {
            "name": "original",
            "href": media_urls.signed_url(picture.sha256, now, base),
            "contenttype": picture.content_type,
            "width": picture.width,
            "height": picture.height,
            "sizeinbytes": picture.size_bytes,
        }
    ]
    return delivered
