"""Cutting a ninjs story into what an engine translates, and putting the English back.

Headlines, descriptions and every block of an HTML body (paragraphs, headings, list items,
quotes, captions: any run of text between structural elements) are *blocks*. A block's inline
markup becomes markers (`services.translate.markup`), and the block is split into sentences:
the *units* an engine translates and the translation memory stores. Rebuilding walks the same
blocks in the same order and writes the English in place, so the English story has exactly the
source's structure, and links keep their hrefs because the engine never saw them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pysbd
from lxml import html

from services.translate import markup
from services.translate.markup import Token

TRANSLATED_FIELDS = ("headlines", "descriptions", "bodies")

#: Elements that live inside a line of text; everything else is structure (p, li, ul, div, …).
INLINE_TAGS = frozenset(
    {
        *("a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em"),
        *("font", "i", "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span"),
        *("strong", "sub", "sup", "time", "u", "var", "wbr"),
    }
)


@dataclass
class Block:
    """One run of text: a headline, a summary or a paragraph-like part of the body."""

    #: Where it is: "headlines[0]", "bodies[0]".
    field: str
    #: The structure around it in an HTML body ("p", "ul/li", "blockquote/p"); "" for plain text.
    path: str
    #: Its content; Open/Close/Empty refs index `elements` from 1.
    tokens: list[Token]
    #: The inline elements: (tag, attributes), e.g. ("a", {"href": "https://…"}).
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return markup.plain(self.tokens)

    @property
    def hrefs(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.elements if tag == "a" and "href" in attrs]


@dataclass(frozen=True)
class Unit:
    """A sentence (or a short block) in marker text, as the engine and the memory see it."""

    block: int
    text: str
    #: Unit marker N stands for block element refs[N - 1].
    refs: tuple[int, ...]
    lead: str = ""
    trail: str = ""


@dataclass
class Segmented:
    blocks: list[Block]
    units: list[Unit]


def blocks_of(doc: dict[str, Any]) -> list[Block]:
    return [block for block, _ in _walk(copy.deepcopy(doc))]


def segment(doc: dict[str, Any]) -> Segmented:
    blocks = blocks_of(doc)
    units = [unit for index, block in enumerate(blocks) for unit in _units(index, block)]
    return Segmented(blocks, units)


def rebuild(
    doc: dict[str, Any],
    english: list[str],
    language: str,
    polish: Callable[[str], str] = lambda text: text,
    segmented: Segmented | None = None,
) -> dict[str, Any]:
    """A copy of `doc` with every unit replaced by its English (marker text), in `segment` order.

    `polish` gets each block's joined English marker text (house style) before it is written.
    Pass `segmented` when the caller has `segment(doc)` already: sentence splitting is not free.
    """
    segmented = segmented or segment(doc)
    if len(english) != len(segmented.units):
        raise ValueError(f"{len(english)} translations for {len(segmented.units)} units")
    english_doc = copy.deepcopy(doc)
    writes = list(_walk(english_doc))
    block_tokens = _english_blocks(segmented, english, polish)
    for index in reversed(range(len(writes))):  # last first: earlier runs keep their positions
        block, write = writes[index]
        write(block_tokens[index], block.elements)
    english_doc["language"] = language
    return english_doc


def _english_blocks(
    segmented: Segmented, english: list[str], polish: Callable[[str], str]
) -> list[list[Token]]:
    joined: list[list[Token]] = [[] for _ in segmented.blocks]
    for unit, text in zip(segmented.units, english, strict=True):
        local = markup.parse(text, known=set(range(1, len(unit.refs) + 1)))
        mapping = {
            local_ref: unit.refs[local_ref - 1] for local_ref in range(1, len(unit.refs) + 1)
        }
        tokens = joined[unit.block]
        tokens.append(markup.Text(unit.lead))
        tokens.extend(markup.renumber(local, mapping))
        tokens.append(markup.Text(unit.trail))
    out = []
    for block, tokens in zip(segmented.blocks, joined, strict=True):
        text = polish(markup.render(markup.join_runs(tokens)))
        out.append(markup.parse(text, known=set(range(1, len(block.elements) + 1))))
    return out


# -- sentences -------------------------------------------------------------------------------------


_per_thread = threading.local()


def _segmenter() -> pysbd.Segmenter:
    # pysbd knows German abbreviations ("z. B.", "Nr.") and ordinals ("1. Oktober"). A segmenter
    # keeps the text it works on in itself, so each thread has its own: the translate worker
    # runs stories in threads, and a shared one mixes their sentences up.
    segmenter = getattr(_per_thread, "segmenter", None)
    if segmenter is None:
        segmenter = _per_thread.segmenter = pysbd.Segmenter(language="de", clean=False)
    return segmenter


def sentence_ends(text: str) -> list[int]:
    """Offsets where sentences end in `text` (the last one excluded)."""
    sentences = _segmenter().segment(text)
    if "".join(sentences) != text:  # never lose a character to the splitter
        return []
    ends, position = [], 0
    for sentence in sentences[:-1]:
        position += len(sentence)
        ends.append(position)
    return ends


def _units(index: int, block: Block) -> Iterator[Unit]:
    for piece in markup.cut(block.tokens, sentence_ends(block.text)):
        lead, tokens, trail = markup.strip_edges(piece)
        refs = markup.refs(tokens)
        local = markup.renumber(tokens, {ref: n for n, ref in enumerate(refs, start=1)})
        yield Unit(index, markup.render(local), tuple(refs), lead, trail)


# -- walking a story -------------------------------------------------------------------------------

Write = Callable[[list[Token], list[tuple[str, dict[str, str]]]], None]


def _walk(doc: dict[str, Any]) -> Iterator[tuple[Block, Write]]:
    """Every block in document order, with a function that writes new content in its place."""
    for field_name in TRANSLATED_FIELDS:
        for position, item in enumerate(doc.get(field_name) or []):
            where = f"{field_name}[{position}]"
            if "html" in str(item.get("contenttype", "")):
                yield from _html_blocks(item, where)
            elif str(item.get("value") or "").strip():
                yield Block(where, "", [markup.Text(str(item["value"]))]), _plain_writer(item)


def _plain_writer(item: dict[str, Any]) -> Write:
    def write(tokens: list[Token], _elements: list[tuple[str, dict[str, str]]]) -> None:
        item["value"] = markup.plain(tokens)

    return write


def _html_blocks(item: dict[str, Any], where: str) -> Iterator[tuple[Block, Write]]:
    root = html.fragment_fromstring(item.get("value") or "", create_parent="div")
    found = [(run, block) for run in _runs(root, "") if (block := run.block(where)).text.strip()]
    pending = len(found)

    def serialise_when_all_written() -> None:
        nonlocal pending
        pending -= 1
        if pending == 0:
            item["value"] = (root.text or "") + "".join(
                html.tostring(child, encoding="unicode") for child in root
            )

    for run, block in found:
        yield block, _run_writer(run, serialise_when_all_written)


def _run_writer(run: _Run, done: Callable[[], None]) -> Write:
    def write(tokens: list[Token], elements: list[tuple[str, dict[str, str]]]) -> None:
        run.replace(tokens, elements)
        done()

    return write


@dataclass
class _Run:
    """Text and inline children of `parent` between two structural children (or the ends)."""

    parent: Any
    start: int
    stop: int
    path: str

    def block(self, where: str) -> Block:
        elements: list[tuple[str, dict[str, str]]] = []
        tokens: list[Token] = [markup.Text(self._lead())]
        for child in self.parent[self.start : self.stop]:
            tokens.extend(_element_tokens(child, elements))
            tokens.append(markup.Text(child.tail or ""))
        return Block(where, self.path, markup.tidy(tokens), elements)

    def _lead(self) -> str:
        return (self.parent.text if self.start == 0 else self.parent[self.start - 1].tail) or ""

    def replace(self, tokens: list[Token], elements: list[tuple[str, dict[str, str]]]) -> None:
        lead, children = _build(tokens, elements)
        for child in list(self.parent[self.start : self.stop]):
            self.parent.remove(child)
        for offset, child in enumerate(children):
            self.parent.insert(self.start + offset, child)
        if self.start == 0:
            self.parent.text = lead
        else:
            self.parent[self.start - 1].tail = lead


def _runs(element: Any, path: str) -> Iterator[_Run]:
    children = list(element)
    start = 0
    for index, child in enumerate(children):
        if _is_inline(child):
            continue
        yield _Run(element, start, index, path)
        if isinstance(child.tag, str):
            yield from _runs(child, f"{path}/{child.tag}".lstrip("/"))
        start = index + 1
    yield _Run(element, start, len(children), path)


def _is_inline(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False  # a comment or processing instruction: left where it is
    return all(isinstance(e.tag, str) and e.tag in INLINE_TAGS for e in element.iter())


def _element_tokens(element: Any, elements: list[tuple[str, dict[str, str]]]) -> list[Token]:
    elements.append((element.tag, dict(element.attrib)))
    ref = len(elements)
    if not element.text and len(element) == 0:
        return [markup.Empty(ref)]
    tokens: list[Token] = [markup.Open(ref), markup.Text(element.text or "")]
    for child in element:
        tokens.extend(_element_tokens(child, elements))
        tokens.append(markup.Text(child.tail or ""))
    tokens.append(markup.Close(ref))
    return tokens


def _build(tokens: list[Token], elements: list[tuple[str, dict[str, str]]]) -> tuple[str, list]:
    """HTML for marker tokens: (text before the first element, the inline elements)."""
    container = html.Element("span")
    stack = [container]
    for token in tokens:
        current = stack[-1]
        if isinstance(token, markup.Text):
            if len(current):
                current[-1].tail = (current[-1].tail or "") + token.value
            else:
                current.text = (current.text or "") + token.value
            continue
        if isinstance(token, markup.Close):
            if len(stack) > 1:
                stack.pop()
            continue
        tag, attributes = elements[token.ref - 1]
        child = html.Element(tag, attributes)
        current.append(child)
        if isinstance(token, markup.Open):
            stack.append(child)
    return container.text or "", list(container)
