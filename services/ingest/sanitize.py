"""Cleaning wire HTML before it is stored: an allow-list, so nothing executable gets through.

Every story passes through `clean_story` in intake, whichever way it came in (push, folder, feed;
ninjs 1.x, 2.x, 3.x, NewsML-G2, NITF), and so does every story associated with it, however deep:
- HTML bodies and descriptions keep only the tags below; tags outside the list are dropped but
  their text is kept; `script` and `style` lose their content too; links keep only absolute
  http(s) `href`s;
- headlines, and plain-text bodies and descriptions, are plain text: no tags, entities decoded
  (whoever turns them into HTML escapes them);
- the `href` of a rendition or a trust indicator is kept only when it is an absolute http(s) URL.
"""

from __future__ import annotations

import copy
import html
from functools import cache
from typing import Any

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "a",
    "em",
    "strong",
    "blockquote",
    "figure",
    "figcaption",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
SANITISED_FIELDS = ("bodies", "descriptions")
PLAIN_TEXT_FIELDS = ("headlines",)
LINK_FIELDS = ("renditions", "trustindicators")
WEB_SCHEMES = ("http://", "https://")
#: Decoding entities can reveal markup ("&lt;script&gt;"); plain text is cleaned until it is stable.
PLAIN_TEXT_ROUNDS = 4


def _keep_web_links_only(tag: str, attribute: str, value: str) -> str | None:
    # nh3 lets relative and protocol-relative URLs through; a wire story has no base to resolve
    # them against, so only absolute http(s) links survive.
    if attribute == "href":
        return value if is_web_url(value) else None
    return value


def is_web_url(value: str) -> bool:
    return value.strip().lower().startswith(WEB_SCHEMES)


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_web_links_only,
        url_schemes={"http", "https"},
        link_rel=None,
        strip_comments=True,
    )


def clean_html(value: str) -> str:
    return _cleaner().clean(value)


def plain_text(value: str) -> str:
    """`value` with every tag (and script or style content) removed and entities decoded."""
    for _ in range(PLAIN_TEXT_ROUNDS):
        cleaned = html.unescape(nh3.clean(value, tags=set()))
        if cleaned == value:
            return value
        value = cleaned
    # Entities nested deeper than anyone writes by accident: keep them encoded, so no decoding
    # step can ever turn them into markup.
    return nh3.clean(value, tags=set())


def text_of(value: str) -> str:
    """The readable text of an HTML fragment (for language detection)."""
    # A space before every tag keeps "</p><p>" from gluing the last and first words together.
    return html.unescape(nh3.clean(value.replace("<", " <"), tags=set()))


def is_html(item: dict[str, Any]) -> bool:
    # A body without a content type may hold markup all the same: treat it as HTML.
    return "plain" not in str(item.get("contenttype") or "text/html")


def clean_story(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of `doc` with every text, link and associated story cleaned (see the module)."""
    clean = copy.deepcopy(doc)
    _clean_in_place(clean)
    return clean


def _clean_in_place(doc: dict[str, Any]) -> None:
    for field in SANITISED_FIELDS:
        for item in _items(doc, field):
            if isinstance(item.get("value"), str):
                item["value"] = (clean_html if is_html(item) else plain_text)(item["value"])
    for field in PLAIN_TEXT_FIELDS:
        for item in _items(doc, field):
            if isinstance(item.get("value"), str):
                item["value"] = plain_text(item["value"])
    for field in LINK_FIELDS:
        for item in _items(doc, field):
            if "href" in item and not (isinstance(item["href"], str) and is_web_url(item["href"])):
                del item["href"]  # a `javascript:` or `data:` link is no link
    for associated in _items(doc, "associations"):
        _clean_in_place(associated)


def _items(doc: dict[str, Any], field: str) -> list[dict[str, Any]]:
    value = doc.get(field)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
