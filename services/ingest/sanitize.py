"""Cleaning wire HTML before it is stored: an allow-list, so nothing executable gets through.

Every HTML body and description of a story passes through `clean_story` in intake, whichever way
the story came in. Tags outside the list are dropped but their text is kept; `script` and
`style` lose their content too. Links keep only absolute http(s) `href`s.
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


def _keep_web_links_only(tag: str, attribute: str, value: str) -> str | None:
    # nh3 lets relative and protocol-relative URLs through; a wire story has no base to resolve
    # them against, so only absolute http(s) links survive.
    if attribute == "href":
        return value if value.lower().startswith(("http://", "https://")) else None
    return value


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


def text_of(value: str) -> str:
    """The readable text of an HTML fragment (for language detection)."""
    # A space before every tag keeps "</p><p>" from gluing the last and first words together.
    return html.unescape(nh3.clean(value.replace("<", " <"), tags=set()))


def is_html(item: dict[str, Any]) -> bool:
    # A body without a content type may hold markup all the same: treat it as HTML.
    return "plain" not in str(item.get("contenttype") or "text/html")


def clean_story(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of `doc` with every HTML body and description cleaned."""
    clean = copy.deepcopy(doc)
    for field in SANITISED_FIELDS:
        for item in clean.get(field) or []:
            if isinstance(item, dict) and isinstance(item.get("value"), str) and is_html(item):
                item["value"] = clean_html(item["value"])
    return clean
