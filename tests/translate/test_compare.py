"""`syndikat engines compare`: engines scored by sacrebleu against the reference set.

The reference set is samples/reference/ (six stories, 50 sentences); the engines are a perfect
one (it answers with the references), a garbage one, and the local engine with the tiny
hand-made model of tests/support/tiny_model.py on stories made of its word list.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from services.cli import main
from services.translate import compare
from tests.support.chat_completions import ChatCompletionsServer
from tests.support.reference_engines import REFERENCE_SET
from tests.support.tiny_model import build_tiny_model

PERFECT = "tests.support.reference_engines:ReferenceEngine"
GARBAGE = "tests.support.reference_engines:GarbageEngine"
HEADER = "engine  chrF  BLEU  QA held  QA findings  failed  characters  seconds"


def run_compare(*args: str) -> Result:
    return CliRunner().invoke(main, ["engines", "compare", *args], catch_exceptions=False)


def table(output: str) -> dict[str, list[str]]:
    """The printed table: engine -> its cells (split on two or more spaces)."""
    lines = output.splitlines()
    assert " ".join(lines[0].split()) == " ".join(HEADER.split())
    rows = {}
    for line in lines[2:]:
        if line.startswith("report written") or " is unavailable: " in line:
            continue
        cells = [cell for cell in line.split("  ") if cell.strip()]
        rows[cells[0].strip()] = [cell.strip() for cell in cells[1:]]
    return rows


def test_the_reference_set_is_30_and_more_sentences_in_several_stories() -> None:
    stories = compare.load_references(REFERENCE_SET)

    assert len(stories) >= 5
    assert sum(len(story.references) for story in stories) >= 30


def test_a_perfect_engine_scores_100_and_a_garbage_one_low(tmp_path: Path) -> None:
    report = tmp_path / "report.md"

    result = run_compare(
        str(REFERENCE_SET), "--engines", f"{PERFECT},{GARBAGE}", "--report", str(report)
    )

    assert result.exit_code == 0, result.output
    rows = table(result.output)
    chrf, bleu, held, findings, failed, characters, _seconds = rows[PERFECT]
    assert (chrf, bleu, held, findings, failed) == ("100.0", "100.0", "0/6 (0%)", "0", "0")
    german = sum(
        len(unit.text)
        for story in compare.load_references(REFERENCE_SET)
        for unit in compare.segments.segment(story.doc).units
    )
    assert characters == f"{german:,}"
    chrf, bleu, held, *_ = rows[GARBAGE]
    assert float(chrf) < 30
    assert float(bleu) < 5
    # Shuffled words lose the stories' numbers: the QA gate holds every story.
    assert held == "6/6 (100%)"
    written = report.read_text()
    assert f"| {PERFECT} | 100.0 | 100.0 | 0/6 (0%) | 0 | 0 |" in written
    assert "is missing" in written  # the garbage engine's QA findings, story by story


def test_the_local_model_gets_its_row(tmp_path: Path, settings: Callable[..., None]) -> None:
    settings(SYNDIKAT_MODEL_DIR=str(build_tiny_model(tmp_path / "model")))
    folder = tmp_path / "reference"
    folder.mkdir()
    # Stories the tiny model knows its words for: its English is exact where the words are.
    write_story(
        folder,
        "gruss",
        "Hallo Welt",
        ["Guten Morgen und Hallo Welt."],
        ["Hello world", "Good morning and Hello world."],
    )
    write_story(
        folder,
        "stadt",
        "Die Stadt ist schön",
        ["Das Haus ist schön."],
        ["The city is beautiful", "The house is beautiful."],
    )

    result = run_compare(str(folder), "--engines", "local,nonexistent")

    assert result.exit_code == 0, result.output
    rows = table(result.output)
    chrf, bleu, _held, _findings, failed, characters, seconds = rows["local"]
    # "Die" and "Das" stay German in the tiny model: good, not perfect.
    assert 50 < float(chrf) < 100
    assert 0 < float(bleu) < 100
    assert failed == "0"
    assert characters == str(
        len("Hallo WeltGuten Morgen und Hallo Welt.Die Stadt ist schönDas Haus ist schön.")
    )
    assert float(seconds) > 0
    assert rows["nonexistent"][-1] == "unavailable"
    assert "nonexistent is unavailable: unknown engine" in result.output


def test_a_story_the_engine_fails_on_counts_and_the_rest_is_scored(tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_SET, folder)
    write_story(folder, "unbekannt", "Ein Satz, den niemand kennt", [], ["A sentence nobody knows"])

    result = run_compare(str(folder), "--engines", PERFECT)

    assert result.exit_code == 0, result.output
    chrf, _bleu, held, _findings, failed, *_ = table(result.output)[PERFECT]
    assert failed == "1"
    assert held == "0/7 (0%)"
    assert 90 < float(chrf) < 100  # one sentence of 51 scored as empty English


def test_a_reference_file_with_the_wrong_number_of_lines_is_refused_with_the_sentences(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "reference"
    write_story(
        folder,
        "kurz",
        "Die Überschrift",
        ["Der erste Satz. Der zweite Satz."],
        ["The headline", "The first and second sentence."],
    )

    result = run_compare(str(folder), "--engines", PERFECT)

    assert result.exit_code == 1
    assert "kurz.en.txt has 2 lines for the 3 sentences of kurz.de.json" in result.output
    assert "1. Die Überschrift\n  2. Der erste Satz.\n  3. Der zweite Satz." in result.output


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no German story (NAME.de.json)"),
        ({"a.de.json": "{}"}, "a.de.json has no reference translation a.en.txt"),
        ({"a.de.json": "{not json", "a.en.txt": "A"}, "a.de.json is not JSON"),
    ],
)
def test_a_folder_out_of_layout_is_refused(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    result = run_compare(str(tmp_path), "--engines", PERFECT)

    assert result.exit_code == 1
    assert message in result.output


def write_story(
    folder: Path, name: str, headline: str, paragraphs: list[str], english: list[str]
) -> None:
    folder.mkdir(exist_ok=True)
    doc = {
        "uri": f"urn:test:{name}",
        "type": "text",
        "version": "1",
        "language": "de",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "".join(f"<p>{p}</p>" for p in paragraphs),
            }
        ],
    }
    (folder / f"{name}.de.json").write_text(json.dumps(doc, ensure_ascii=False))
    (folder / f"{name}.en.txt").write_text("\n".join(english) + "\n")


def test_with_glossary_the_installations_terms_reach_the_engine(syndikat) -> None:
    assert syndikat("glossary", "add", "Landtag", "state parliament").exit_code == 0

    without = syndikat("engines", "compare", str(REFERENCE_SET), "--engines", PERFECT)
    with_glossary = syndikat(
        "engines", "compare", str(REFERENCE_SET), "--engines", PERFECT, "--glossary"
    )

    assert table(without.output)[PERFECT][:5] == ["100.0", "100.0", "0/6 (0%)", "0", "0"]
    # The perfect engine knows the sentences, not the glossary's placeholders for the term
    # (`Der <x1/> hat am Donnerstag ...`): the story with "Landtag" fails, as it shows.
    assert table(with_glossary.output)[PERFECT][4] == "1"


def test_the_local_model_and_the_openai_stand_in_get_a_row_each(
    tmp_path: Path, settings: Callable[..., None]
) -> None:
    """What the issue asked: one table for the local model and an LLM behind the Chat
    Completions protocol (tests/support/chat_completions.py, a local server of our own)."""
    folder = tmp_path / "reference"
    folder.mkdir()
    write_story(
        folder,
        "gruss",
        "Hallo Welt",
        ["Guten Morgen und Hallo Welt."],
        ["Hello world", "Good morning and Hello world."],
    )
    with ChatCompletionsServer() as chat:
        settings(
            SYNDIKAT_MODEL_DIR=str(build_tiny_model(tmp_path / "model")),
            SYNDIKAT_OPENAI_BASE_URL=chat.url,
            SYNDIKAT_OPENAI_API_KEY=chat.api_key,
            SYNDIKAT_OPENAI_MODEL="test-model",
        )
        report = tmp_path / "report.md"
        result = run_compare(str(folder), "--engines", "local,openai", "--report", str(report))

    assert result.exit_code == 0, result.output
    rows = table(result.output)
    assert set(rows) == {"local", "openai"}
    for engine in ("local", "openai"):
        chrf, _bleu, _held, _findings, failed, characters, _seconds = rows[engine]
        assert failed == "0", engine
        assert 0 < float(chrf) <= 100 and float(characters) > 0, engine
    assert len(chat.requests) == 1  # the whole story in one request
    assert "openai" in report.read_text(encoding="utf-8")
