"""The QA gate: what must be true of an English story before a partner may publish it.

Every check compares the German story with its English block by block (headline, summary, each
paragraph, heading, list item): block structure, link targets, numbers (German notation
converted), language, glossary terms and length. A story with any problem is held for review.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from services.translate import numbers, segments
from services.translate.glossary import GlossarySnapshot
from services.translate.segments import Block
from shared.languages import Language
from shared.models import TermKind

#: A block whose English is shorter than this share of the German, or longer than the multiple,
#: has lost or gained something (English usually runs 0.8–1.3 times the German).
MIN_LENGTH_RATIO = 0.45
MAX_LENGTH_RATIO = 2.2
#: Below this many characters length ratios say little ("Ja." → "Yes.").
MIN_LENGTH_CHECKED = 25
#: Language detection needs a few words; a name alone ("Olaf Scholz") reads as anything.
MIN_WORDS_CHECKED = 3
GERMAN_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Problem:
    check: str  # structure, links, numbers, language, glossary, length
    where: str  # "headlines[0]", "bodies[0] block 3"
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check(
    german: dict[str, Any], english: dict[str, Any], glossary: GlossarySnapshot
) -> list[Problem]:
    source, target = segments.blocks_of(german), segments.blocks_of(english)
    problems = _structure(source, target) + _links(source, target)
    for index, (de, en) in enumerate(zip(source, target, strict=False)):
        where = location(de, index, source)
        problems += _numbers(de, en, where)
        problems += _language(de, en, where, glossary)
        problems += _glossary(de, en, where, glossary)
        problems += _length(de, en, where)
    return problems


def report(problems: list[Problem]) -> dict[str, Any]:
    """What a Translation keeps in `qa`."""
    return {"passed": not problems, "problems": [p.as_dict() for p in problems]}


def location(block: Block, index: int, blocks: list[Block]) -> str:
    """Where a block is, as problems name it: "headlines[0]", "bodies[0] block 3 (p)"."""
    if not block.path:
        return block.field
    position = sum(1 for other in blocks[:index] if other.field == block.field) + 1
    return f"{block.field} block {position} ({block.path})"


def _structure(source: list[Block], target: list[Block]) -> list[Problem]:
    shape = [(b.field, b.path) for b in source]
    english_shape = [(b.field, b.path) for b in target]
    if shape == english_shape:
        return []
    return [
        Problem(
            "structure",
            "story",
            f"the English has {len(target)} blocks where the German has {len(source)}"
            if len(target) != len(source)
            else "the English blocks are not in the German's structure",
        )
    ]


def _links(source: list[Block], target: list[Block]) -> list[Problem]:
    lost = Counter(h for b in source for h in b.hrefs) - Counter(h for b in target for h in b.hrefs)
    return [Problem("links", "story", f"link to {href} is missing") for href in sorted(lost)]


def _numbers(de: Block, en: Block, where: str) -> list[Problem]:
    return [
        Problem(
            "numbers",
            where,
            f"{number.written} is missing (expected {numbers.english_notation(number)})",
        )
        for number in numbers.missing_numbers(de.text, en.text)
    ]


def _language(de: Block, en: Block, where: str, glossary: GlossarySnapshot) -> list[Problem]:
    text = en.text
    for term in glossary.terms:
        if term.kind == TermKind.KEEP:
            text = text.replace(term.target, " ")  # names are neither German nor English
    if len(re.findall(r"[^\W\d_]{2,}", text)) < MIN_WORDS_CHECKED:
        return []
    language, confidence = _identifier().classify(text)
    if language == Language.GERMAN and confidence >= GERMAN_CONFIDENCE:
        return [Problem("language", where, f"still German: {_excerpt(en.text)}")]
    return []


def _glossary(de: Block, en: Block, where: str, glossary: GlossarySnapshot) -> list[Problem]:
    english = en.text.casefold()
    return [
        Problem("glossary", where, f"{term.source!r} should be rendered as {term.target!r}")
        for term in glossary.terms_in(de.text)
        if term.target.casefold() not in english
    ]


def _length(de: Block, en: Block, where: str) -> list[Problem]:
    german, english = len(de.text.strip()), len(en.text.strip())
    if german < MIN_LENGTH_CHECKED:
        return [] if english or not german else [Problem("length", where, "the English is empty")]
    ratio = english / german
    if MIN_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
        return []
    return [Problem("length", where, f"the English is {ratio:.2f} times the German's length")]


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_detector() -> None:
    """Load the language detector now: a worker loads it once, before it forks its processes,
    rather than each process in its first story's translation (about a second each)."""
    _identifier()


@cache
def _identifier() -> LanguageIdentifier:
    # Only German or English matter here; deciding between the two is far more reliable than
    # picking one of 97 languages for a short paragraph.
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(Language))
    return identifier
