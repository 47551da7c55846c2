"""Cutting a ninjs story into segments an engine can translate, and putting the result back.

Headlines, descriptions and every block of an HTML body (paragraphs, headings, list items,
quotes, captions) are segments, so the English body keeps the source's block structure.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from lxml import html

TRANSLATED_FIELDS = ("headlines", "descriptions", "bodies")
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "td")


def segments_of(doc: dict[str, Any]) -> list[str]:
    segments: list[str] = []
    for item in _items(doc):
        if _is_html(item):
            segments.extend(block.text_content().strip() for block in _blocks(_parse(item)))
        else:
            segments.append(str(item.get("value", "")))
    return segments


def rebuild(doc: dict[str, Any], translated: list[str], language: str) -> dict[str, Any]:
    """A copy of `doc` with every segment replaced, in `segments_of` order."""
    expected = len(segments_of(doc))
    if len(translated) != expected:
        raise ValueError(f"{len(translated)} translations for {expected} segments")
    english = copy.deepcopy(doc)
    replacements = iter(translated)
    for item in _items(english):
        if _is_html(item):
            root = _parse(item)
            for block in _blocks(root):
                _replace_text(block, next(replacements))
            item["value"] = _serialise(root)
        else:
            item["value"] = next(replacements)
    english["language"] = language
    return english


def _items(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field_name in TRANSLATED_FIELDS:
        yield from doc.get(field_name) or []


def _is_html(item: dict[str, Any]) -> bool:
    return "html" in str(item.get("contenttype", ""))


def _parse(item: dict[str, Any]) -> Any:
    return html.fragment_fromstring(item.get("value") or "", create_parent="div")


def _blocks(root: Any) -> list[Any]:
    return [el for el in root.iter(*BLOCK_TAGS) if not any(c.tag in BLOCK_TAGS for c in el)]


def _replace_text(block: Any, text: str) -> None:
    for child in list(block):
        block.remove(child)
    block.text = text


def _serialise(root: Any) -> str:
    return (root.text or "") + "".join(html.tostring(c, encoding="unicode") for c in root)
