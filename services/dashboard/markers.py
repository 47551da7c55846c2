"""Marker text as an editor reads and writes it.

A translation unit (a sentence) is stored in marker text (`services.translate.markup`): its
words XML-escaped, its inline markup as numbered markers — `<g1>…</g1>` around the words a link
or emphasis wraps, `<x2/>` for a line break. The story page shows the markers with what each
stands for, and the edit box shows the words unescaped ("AT&T", not "AT&amp;T"); what the editor
sends back is escaped again around the markers, so what they see is what is stored.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from services.translate.interface import MARKER, Block, Unit

#: How the page names an inline element a marker stands for.
ELEMENT_NAMES = {
    "em": "emphasis",
    "i": "italics",
    "strong": "bold",
    "b": "bold",
    "br": "line break",
    "sup": "superscript",
    "sub": "subscript",
    "code": "code",
    "q": "quotation",
}


@dataclass(frozen=True)
class Piece:
    """Words (`marker` False) or one marker with what it stands for."""

    text: str
    marker: bool = False
    meaning: str = ""


def meanings(unit: Unit, block: Block) -> dict[int, str]:
    """Marker number -> what it stands for, for the markers of `unit` (numbered from 1)."""
    found = {}
    for number, ref in enumerate(unit.refs, start=1):
        tag, attributes = block.elements[ref - 1]
        found[number] = _meaning(tag, attributes)
    return found


def _meaning(tag: str, attributes: dict[str, str]) -> str:
    if tag == "a":
        return f"link to {attributes['href']}" if attributes.get("href") else "link"
    return ELEMENT_NAMES.get(tag, f"<{tag}>")


def pieces(marker_text: str, known: dict[int, str]) -> list[Piece]:
    """Marker text cut into words and markers, for showing."""
    found: list[Piece] = []
    position = 0
    for match in MARKER.finditer(marker_text):
        if match.start() > position:
            found.append(Piece(html.unescape(marker_text[position : match.start()])))
        number = int(match.group(3))
        found.append(Piece(match.group(0), True, known.get(number, "not in the German")))
        position = match.end()
    if position < len(marker_text):
        found.append(Piece(html.unescape(marker_text[position:])))
    return found


def editable(marker_text: str) -> str:
    """Marker text with its words unescaped: what the edit box shows."""
    return "".join(piece.text for piece in pieces(marker_text, {}))


def from_editor(text: str) -> str:
    """What the editor typed, as marker text: the words escaped, the markers kept."""
    out, position = [], 0
    for match in MARKER.finditer(text):
        out.append(html.escape(text[position : match.start()], quote=False))
        out.append(match.group(0))
        position = match.end()
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)
