"""Scoring engines against reference translations: what `syndikat engines compare` runs.

A reference folder holds pairs of files per story (samples/reference/ is one):

* `NAME.de.json`: the German story as ninjs, as a wire sends it;
* `NAME.en.txt`: its English, one line per sentence in the order Syndikat translates them
  (headline, then the summary, then the body block by block, each block cut into sentences as
  `services.translate.segments` cuts it). Blank lines are skipped.

Each engine translates every story the way the pipeline does (`pipeline.render`: glossary,
house style, the QA gate), but without the translation memory, so every sentence really goes to
the engine. Scores are sacrebleu's corpus chrF and BLEU over all sentences; a story an engine
fails on scores as empty English and is counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sacrebleu

from services.translate import house_style, markup, pipeline, qa, segments
from services.translate.engines import Engine, EngineError, GlossaryEngine, load_engine
from services.translate.glossary import GlossarySnapshot


class ReferenceError(ValueError):
    """A reference folder that does not follow the layout."""


@dataclass(frozen=True)
class ReferenceStory:
    name: str
    doc: dict[str, Any]
    #: The English of each sentence (unit) of `doc`, in order.
    references: list[str]


@dataclass
class EngineScore:
    #: The engine as configured ("local", "deepl", "module:Class").
    setting: str
    #: What the engine calls itself ("local:translate-de_en-1_9"), once built.
    name: str = ""
    chrf: float | None = None
    bleu: float | None = None
    stories: int = 0
    #: Stories the QA gate would hold for review, and its findings in all.
    held: int = 0
    findings: int = 0
    #: Stories the engine failed on (scored as empty English).
    failed: int = 0
    #: Characters of German sent to the engine (what DeepL and hosted LLMs bill by).
    characters: int = 0
    seconds: float = 0.0
    #: Why the engine could not run at all.
    unavailable: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def held_share(self) -> float:
        return self.held / self.stories if self.stories else 0.0


def load_references(folder: Path) -> list[ReferenceStory]:
    """Every `NAME.de.json` with its `NAME.en.txt`; `ReferenceError` says what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReferenceError(f"{folder} is not a folder")
    stories = [_load_story(path) for path in sorted(folder.glob("*.de.json"))]
    if not stories:
        raise ReferenceError(f"{folder} holds no German story (NAME.de.json)")
    return stories


def _load_story(german: Path) -> ReferenceStory:
    name = german.name.removesuffix(".de.json")
    english = german.with_name(f"{name}.en.txt")
    if not english.is_file():
        raise ReferenceError(f"{german.name} has no reference translation {english.name}")
    try:
        doc = json.loads(german.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceError(f"{german.name} is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ReferenceError(f"{german.name} is not a ninjs object")
    units = [unit.text for unit in segments.segment(doc).units]
    lines = [line.strip() for line in english.read_text(encoding="utf-8").splitlines()]
    references = [line for line in lines if line]
    if len(references) != len(units):
        sentences = "\n".join(f"  {i}. {_plain(unit)}" for i, unit in enumerate(units, 1))
        raise ReferenceError(
            f"{english.name} has {len(references)} lines for the {len(units)} sentences of "
            f"{german.name}; one line per sentence, in this order:\n{sentences}"
        )
    return ReferenceStory(name, doc, references)


def compare(
    settings: Sequence[str], stories: Sequence[ReferenceStory], glossary: GlossarySnapshot
) -> list[EngineScore]:
    qa.load_detector()  # once, before the clock runs: the first engine would pay for it
    return [score_engine(setting, stories, glossary) for setting in settings]


def score_engine(
    setting: str, stories: Sequence[ReferenceStory], glossary: GlossarySnapshot
) -> EngineScore:
    score = EngineScore(setting)
    try:
        engine = _metered(load_engine(setting))
    except EngineError as exc:
        score.unavailable = str(exc)
        return score
    score.name = engine.name
    hypotheses: list[str] = []
    references: list[str] = []
    for story in stories:
        hypotheses += _translate_story(engine, story, glossary, score)
        references += story.references
    score.characters = engine.characters
    score.chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
    score.bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
    return score


def _translate_story(
    engine: Engine, story: ReferenceStory, glossary: GlossarySnapshot, score: EngineScore
) -> list[str]:
    """The English of each sentence (plain text, house style), tallying QA and failures."""
    score.stories += 1
    started = time.perf_counter()
    try:
        rendering = pipeline.render(engine, story.doc, glossary, recall=False)
    except Exception as exc:  # an engine may fail its own way; the others still get scored
        score.failed += 1
        score.notes.append(f"{story.name}: the engine failed: {exc}")
        return [""] * len(story.references)
    finally:
        score.seconds += time.perf_counter() - started
    if rendering.problems:
        score.held += 1
        score.findings += len(rendering.problems)
        score.notes += [f"{story.name}: QA {p.where}: {p.message}" for p in rendering.problems]
    return [_plain(house_style.english_quotes(unit["english"])) for unit in rendering.units]


def _plain(marker_text: str) -> str:
    return markup.plain(markup.parse(marker_text)).strip()


class _Metered:
    """An engine that counts the characters sent to it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name
        self.characters = 0

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        self.characters += sum(len(segment) for segment in segments)
        return self.engine.translate(segments, source_language, target_language)


class _MeteredGlossary(_Metered):
    """The same for an engine that applies the glossary itself (the pipeline checks for it)."""

    engine: Any

    def translate_with_glossary(
        self,
        segments: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]:
        self.characters += sum(len(segment) for segment in segments)
        return self.engine.translate_with_glossary(
            segments, source_language, target_language, glossary
        )


def _metered(engine: Engine) -> _Metered:
    return _MeteredGlossary(engine) if isinstance(engine, GlossaryEngine) else _Metered(engine)


# -- what is shown ---------------------------------------------------------------------------------

HEADERS = ("engine", "chrF", "BLEU", "QA held", "QA findings", "failed", "characters", "seconds")


def rows(scores: Sequence[EngineScore]) -> list[list[str]]:
    out = []
    for score in scores:
        if score.unavailable is not None:
            out.append([score.setting, *["—"] * (len(HEADERS) - 2), "unavailable"])
            continue
        out.append(
            [
                score.setting,
                f"{score.chrf:.1f}",
                f"{score.bleu:.1f}",
                f"{score.held}/{score.stories} ({score.held_share:.0%})",
                str(score.findings),
                str(score.failed),
                f"{score.characters:,}",
                f"{score.seconds:.2f}",
            ]
        )
    return out


def text_table(scores: Sequence[EngineScore]) -> str:
    cells = [list(HEADERS), *rows(scores)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += [f"{s.setting} is unavailable: {s.unavailable}" for s in scores if s.unavailable]
    return "\n".join(line.rstrip() for line in lines)


def markdown_report(
    scores: Sequence[EngineScore], stories: Sequence[ReferenceStory], folder: Path, when: str
) -> str:
    sentences = sum(len(story.references) for story in stories)
    out = [
        "# Engine comparison",
        "",
        f"{len(stories)} stories, {sentences} sentences from `{folder}`; {when}.",
        "chrF and BLEU: sacrebleu corpus scores (0–100, higher is better) against the reference "
        "English. QA held: stories the QA gate would hold for review.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" for _ in HEADERS) + " |",
    ]
    out += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(scores)
    ]
    for score in scores:
        if score.unavailable:
            out += ["", f"## {score.setting}", "", f"Unavailable: {score.unavailable}"]
        if score.notes:
            out += ["", f"## {score.setting} ({score.name})", ""]
            out += [f"- {note}" for note in score.notes]
    return "\n".join(out) + "\n"
