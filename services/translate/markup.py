"""Marker text: a block's words with its inline markup reduced to numbered markers.

`Das teilte Hebestreit auf <g1>X, vormals Twitter</g1> mit.` — `<gN>…</gN>` wraps the content of
inline element N (a link, emphasis, …) and `<xN/>` stands for an empty one (a line break) or for
a glossary term the engine must carry over. Text is XML-escaped, so markers are the only tags.
Engines carry the markers over with the words they wrap; element attributes (hrefs) never reach
an engine, and an engine's mangled markers are repaired, never trusted (`parse`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Open:
    ref: int


@dataclass(frozen=True)
class Close:
    ref: int


@dataclass(frozen=True)
class Empty:
    ref: int


Token = Text | Open | Close | Empty

#: Lenient on purpose: engines return "< g1 >" or "</ g1>" as often as "<g1>".
MARKER = re.compile(r"<\s*(/?)\s*([gx])\s*(\d+)\s*(/?)\s*>", re.IGNORECASE)


def render(tokens: Iterable[Token]) -> str:
    out = []
    for token in tokens:
        if isinstance(token, Text):
            out.append(html.escape(token.value, quote=False))
        elif isinstance(token, Open):
            out.append(f"<g{token.ref}>")
        elif isinstance(token, Close):
            out.append(f"</g{token.ref}>")
        else:
            out.append(f"<x{token.ref}/>")
    return "".join(out)


def parse(text: str, known: set[int] | None = None) -> list[Token]:
    """Tokens of marker text; markers for unknown elements are dropped, nesting is repaired."""
    tokens: list[Token] = []
    position = 0
    for match in MARKER.finditer(text):
        tokens.append(Text(html.unescape(text[position : match.start()])))
        position = match.end()
        closing, kind, number, self_closing = match.groups()
        ref = int(number)
        if known is not None and ref not in known:
            continue
        if kind.lower() == "x" or self_closing:
            tokens.append(Empty(ref))
        else:
            tokens.append(Close(ref) if closing else Open(ref))
    tokens.append(Text(html.unescape(text[position:])))
    return tidy(balance(tokens))


def balance(tokens: list[Token]) -> list[Token]:
    """Drop closes of elements that are not open, close what is left open, keep nesting proper."""
    out: list[Token] = []
    stack: list[int] = []
    for token in tokens:
        if isinstance(token, Open):
            stack.append(token.ref)
        elif isinstance(token, Close):
            if token.ref not in stack:
                continue
            inner = stack[stack.index(token.ref) + 1 :]
            out.extend(Close(ref) for ref in reversed(inner))
            out.append(token)
            stack = stack[: stack.index(token.ref)]
            out.extend(Open(ref) for ref in inner)
            stack.extend(inner)
            continue
        out.append(token)
    out.extend(Close(ref) for ref in reversed(stack))
    return out


def tidy(tokens: list[Token]) -> list[Token]:
    """Merge neighbouring texts, drop empty ones and empty open/close pairs."""
    out: list[Token] = []
    for token in tokens:
        if isinstance(token, Text):
            if not token.value:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].value + token.value)
                continue
        elif isinstance(token, Close) and out and out[-1] == Open(token.ref):
            out.pop()
            continue
        out.append(token)
    return out


def join_runs(tokens: list[Token]) -> list[Token]:
    """`</g1> <g1>` becomes ` `: an element cut at a sentence boundary is whole again."""
    out: list[Token] = []
    for token in tidy(tokens):
        if isinstance(token, Open):
            if out and out[-1] == Close(token.ref):
                out.pop()
                continue
            if (
                len(out) >= 2
                and out[-2] == Close(token.ref)
                and isinstance(out[-1], Text)
                and not out[-1].value.strip()
            ):
                space = out.pop()
                out.pop()
                out.append(space)
                continue
        out.append(token)
    return tidy(out)


def plain(tokens: Iterable[Token]) -> str:
    return "".join(token.value for token in tokens if isinstance(token, Text))


def refs(tokens: Iterable[Token]) -> list[int]:
    """Element refs in order of first appearance."""
    seen: dict[int, None] = {}
    for token in tokens:
        if not isinstance(token, Text):
            seen.setdefault(token.ref, None)
    return list(seen)


def renumber(tokens: list[Token], mapping: dict[int, int]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        out.append(token if isinstance(token, Text) else type(token)(mapping[token.ref]))
    return out


def cut(tokens: list[Token], offsets: list[int]) -> list[list[Token]]:
    """Split at plain-text offsets; elements open at a cut are closed and reopened around it."""
    pieces: list[list[Token]] = [[]]
    stack: list[int] = []
    position = 0
    cuts = [offset for offset in sorted(set(offsets)) if offset > 0]
    for token in tokens:
        if not isinstance(token, Text):
            _track(stack, token)
            pieces[-1].append(token)
            continue
        value = token.value
        while cuts and position < cuts[0] <= position + len(value):
            head, value = value[: cuts[0] - position], value[cuts[0] - position :]
            position = cuts.pop(0)
            pieces[-1].append(Text(head))
            pieces[-1].extend(Close(ref) for ref in reversed(stack))
            pieces.append([Open(ref) for ref in stack])
        pieces[-1].append(Text(value))
        position += len(value)
    return [tidy(piece) for piece in pieces if plain(piece).strip() or refs(piece)]


def _track(stack: list[int], token: Token) -> None:
    if isinstance(token, Open):
        stack.append(token.ref)
    elif isinstance(token, Close) and token.ref in stack:
        stack.remove(token.ref)


def strip_edges(tokens: list[Token]) -> tuple[str, list[Token], str]:
    """Whitespace at either end moved out of the tokens (and out of elements open or closing
    there): (lead, tokens, trail)."""
    tokens = list(tokens)
    first = next((i for i, t in enumerate(tokens) if not isinstance(t, Open)), None)
    lead = trail = ""
    if first is not None and isinstance(head := tokens[first], Text):
        value = head.value
        lead = value[: len(value) - len(value.lstrip())]
        tokens[first] = Text(value.lstrip())
    last = next((i for i in reversed(range(len(tokens))) if not isinstance(tokens[i], Close)), None)
    if last is not None and isinstance(tail := tokens[last], Text):
        value = tail.value
        trail = value[len(value.rstrip()) :]
        tokens[last] = Text(value.rstrip())
    return lead, tidy(tokens), trail
