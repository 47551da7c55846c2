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
import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pysbd
from lxml import html

from services.translate import credits, markup
from services.translate.markup import Token
from shared.languages import Language

TRANSLATED_FIELDS = ("headlines", "descriptions", "bodies")
#: What is translated of each picture association (`associations.<name>`, `type: picture`):
#: its headline, caption (`body_text`, else `description_text`) and alt text, in this order.
PICTURE_FIELDS = ("headline", "body_text", "description_text", "x-syndikat-alt")
#: The same in ninjs 2.x's lists, as ingest stores a picture (a `credit` role is not translated).
PICTURE_LISTS = ("headlines", "descriptions")
#: A picture's credit ("Foto: dpa"): not translated, only its label word (`credits`).
CREDIT = "x-syndikat-credit"

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
    # (`field` above names the story field, hence dataclasses.field here.)
    elements: list[tuple[str, dict[str, str]]] = dataclasses.field(default_factory=list)

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
    return [block for block, _ in _walk(copy.deepcopy(doc)).places]


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
    walked = _walk(english_doc)
    block_tokens = _english_blocks(segmented, english, polish)
    for (block, place), tokens in zip(walked.places, block_tokens, strict=True):
        place.write(tokens, block.elements)
    for body in walked.bodies:
        body.save()
    for _, picture in pictures(english_doc):
        if isinstance(picture.get(CREDIT), str):
            picture[CREDIT] = credits.english_credit(picture[CREDIT])
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
        segmenter = _per_thread.segmenter = pysbd.Segmenter(language=Language.GERMAN, clean=False)
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
#
# Two passes: `_walk` finds every block in document order with the place it came from; then
# `rebuild` writes each place's English in that order, and serialises each HTML body once all its
# runs are written. A run finds its children by the structural elements around it, not by
# position, so writing one run leaves the others' places as they were.

Elements = list[tuple[str, dict[str, str]]]


@dataclass
class _PlainValue:
    item: dict[str, Any]
    key: str = "value"

    def write(self, tokens: list[Token], _elements: Elements) -> None:
        self.item[self.key] = markup.plain(tokens)


@dataclass
class _HtmlBody:
    """An HTML-bearing ninjs item, parsed: its runs are written into `root`, then `save`d."""

    item: dict[str, Any]
    root: Any

    def save(self) -> None:
        children = "".join(html.tostring(child, encoding="unicode") for child in self.root)
        self.item["value"] = (self.root.text or "") + children


@dataclass
class _Walked:
    places: list[tuple[Block, _PlainValue | _Run]] = dataclasses.field(default_factory=list)
    bodies: list[_HtmlBody] = dataclasses.field(default_factory=list)


def _walk(doc: dict[str, Any]) -> _Walked:
    """Every block of `doc` in document order, with the place its content is written back to."""
    walked = _Walked()
    for field_name in TRANSLATED_FIELDS:
        for position, item in enumerate(doc.get(field_name) or []):
            where = f"{field_name}[{position}]"
            if "html" in str(item.get("contenttype", "")):
                _walk_html(item, where, walked)
            elif str(item.get("value") or "").strip():
                block = Block(where, "", [markup.Text(str(item["value"]))])
                walked.places.append((block, _PlainValue(item)))
    for name, picture in pictures(doc):
        _walk_picture(name, picture, walked)
    return walked


def _walk_picture(name: str, picture: dict[str, Any], walked: _Walked) -> None:
    """A picture's headline, caption and alt text: as plain keys, and as the ninjs 2.x lists
    (`headlines`, `descriptions` with roles caption/alt) ingest stores them in."""
    for key in PICTURE_FIELDS:
        if isinstance(picture.get(key), str) and picture[key].strip():
            block = Block(f"associations.{name}.{key}", "", [markup.Text(picture[key])])
            walked.places.append((block, _PlainValue(picture, key)))
    for list_name in PICTURE_LISTS:
        for position, item in enumerate(picture.get(list_name) or []):
            text = item.get("value") if isinstance(item, dict) else None
            if isinstance(text, str) and text.strip() and item.get("role") != "credit":
                where = f"associations.{name}.{list_name}[{position}]"
                walked.places.append((Block(where, "", [markup.Text(text)]), _PlainValue(item)))


def pictures(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The story's picture associations, (name, association), in the order the story has them."""
    associations = doc.get("associations")
    if isinstance(associations, dict):  # keyed by name, as Syndikat stores them
        named = list(associations.items())
    elif isinstance(associations, list):  # ninjs 2.2+: a list of objects carrying a `name`
        named = [
            (a.get("name", i) if isinstance(a, dict) else i, a) for i, a in enumerate(associations)
        ]
    else:
        return []
    return [
        (str(name), item)
        for name, item in named
        if isinstance(item, dict) and item.get("type") == "picture"
    ]


def _walk_html(item: dict[str, Any], where: str, walked: _Walked) -> None:
    body = _HtmlBody(item, html.fragment_fromstring(item.get("value") or "", create_parent="div"))
    found = [
        (block, run) for run in _runs(body.root, "") if (block := run.block(where)).text.strip()
    ]
    if found:  # a body without text is left exactly as it came
        walked.places.extend(found)
        walked.bodies.append(body)


@dataclass
class _Run:
    """Text and inline children of `parent` between two structural children (or the ends)."""

    parent: Any
    #: The structural child before the run (None: it starts at the parent's text).
    after: Any
    #: The structural child after the run (None: it runs to the parent's end).
    before: Any
    path: str

    def block(self, where: str) -> Block:
        elements: Elements = []
        tokens: list[Token] = [markup.Text(self._lead())]
        for child in self._children():
            tokens.extend(_element_tokens(child, elements))
            tokens.append(markup.Text(child.tail or ""))
        return Block(where, self.path, markup.tidy(tokens), elements)

    def write(self, tokens: list[Token], elements: Elements) -> None:
        lead, children = _build(tokens, elements)
        for child in self._children():
            self.parent.remove(child)
        start = self._start()
        for offset, child in enumerate(children):
            self.parent.insert(start + offset, child)
        if self.after is None:
            self.parent.text = lead
        else:
            self.after.tail = lead

    def _start(self) -> int:
        return 0 if self.after is None else self.parent.index(self.after) + 1

    def _children(self) -> list[Any]:
        stop = len(self.parent) if self.before is None else self.parent.index(self.before)
        return list(self.parent[self._start() : stop])

    def _lead(self) -> str:
        return (self.parent.text if self.after is None else self.after.tail) or ""


def _runs(element: Any, path: str) -> Iterator[_Run]:
    after = None
    for child in element:
        if _is_inline(child):
            continue
        yield _Run(element, after, child, path)
        if isinstance(child.tag, str):
            yield from _runs(child, f"{path}/{child.tag}".lstrip("/"))
        after = child
    yield _Run(element, after, None, path)


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
