"""The QA gate catches every fault it is meant to, and passes good English."""

from __future__ import annotations

import copy

import pytest

from services.translate import house_style, numbers, qa, segments
from services.translate.glossary import GlossarySnapshot, Term
from tests.support.factories import fixture_story
from tests.support.fixture_engine import FixtureEngine

GLOSSARY = GlossarySnapshot(
    3, (Term("Oberbürgermeisterin", "Mayor"), Term("Katrin Albers", "Katrin Albers", "keep"))
)


def good_english(german: dict) -> dict:
    units = [unit.text for unit in segments.segment(german).units]
    protected = [GLOSSARY.protect(unit) for unit in units]
    raw = FixtureEngine().translate([text for text, _ in protected], "de", "en")
    english = [GLOSSARY.restore(text, p) for text, (_, p) in zip(raw, protected, strict=True)]
    return segments.rebuild(german, english, "en", polish=house_style.english_quotes)


def body(doc: dict) -> str:
    return doc["bodies"][0]["value"]


def with_body(doc: dict, value: str) -> dict:
    changed = copy.deepcopy(doc)
    changed["bodies"][0]["value"] = value
    return changed


@pytest.fixture
def german() -> dict:
    return fixture_story("de-stadion.json")


def test_good_english_passes(german):
    english = good_english(german)

    assert qa.check(german, english, GLOSSARY) == []
    assert "Mayor Katrin Albers spoke of a “historic day”." in body(english)


FAULTS = {
    "untranslated paragraph": (
        lambda en: with_body(
            en,
            body(en)
            .replace(
                "Each seat costs the city 25,781.40 euros.",
                "Jeder Sitzplatz kostet die Stadt 25.781,40 Euro, das ist viel Geld.",
            )
            .replace("All figures are in the", "Alle Zahlen stehen im"),
        ),
        "language",
    ),
    "dropped number": (lambda en: with_body(en, body(en).replace("25,781.40 ", "")), "numbers"),
    "number left in German notation": (
        lambda en: with_body(en, body(en).replace("21,400", "21.400")),
        "numbers",
    ),
    "dropped paragraph": (
        lambda en: with_body(en, body(en).split("\n", 1)[1]),
        "structure",
    ),
    "lost link": (
        lambda en: with_body(
            en, body(en).replace('<a href="https://example.org/bauplan">', "").replace("</a>", "")
        ),
        "links",
    ),
    "ignored glossary term": (
        lambda en: with_body(en, body(en).replace("Mayor", "head of the city")),
        "glossary",
    ),
    "absurd length": (
        lambda en: with_body(en, body(en).replace("the new stadium.", "the new stadium. " * 20)),
        "length",
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_the_gate_catches_each_planted_fault(german, fault):
    plant, check = FAULTS[fault]
    english = good_english(german)
    faulty = plant(english)
    assert faulty != english  # the fault really is in the story

    problems = qa.check(german, faulty, GLOSSARY)

    assert check in {problem.check for problem in problems}, problems


def test_every_fault_at_once_is_reported_with_where_it_is(german):
    english = good_english(german)
    for plant, _ in FAULTS.values():  # in order: later faults do not undo earlier ones
        if plant is not FAULTS["dropped paragraph"][0]:
            english = plant(english)

    problems = qa.check(german, english, GLOSSARY)

    found = {problem.check for problem in problems}
    assert found == {"numbers", "links", "language", "glossary", "length"}
    assert any(p.where == "bodies[0] block 2 (p)" and "25.781,40" in p.message for p in problems)


def test_a_name_alone_is_not_taken_for_german(german):
    english = copy.deepcopy(good_english(german))
    english["headlines"][0]["value"] = "Olaf Scholz"
    german = copy.deepcopy(german)
    german["headlines"][0]["value"] = "Olaf Scholz"

    assert qa.check(german, english, GLOSSARY) == []


@pytest.mark.parametrize(
    ("de", "en"),
    [
        ("25.781,40 Punkte", "25,781.40 points"),
        ("1,15 Prozent", "1.15 percent"),
        ("mit 5:4 gewonnen", "won 5:4"),
        ("um 2.00 Uhr", "at 2 a.m."),
        ("um 2.00 Uhr", "at 2:00"),
        ("um 20.45 Uhr", "at 8:45 p.m."),
        ("bis 09:15 Uhr", "by 9.15 a.m."),
        ("am 1. Oktober 2024", "on October 1, 2024"),
        ("21.400 (+1.150)", "21,400 (+1,150)"),
        ("der 57-Jährige", "the 57-year-old"),
    ],
)
def test_german_numbers_are_found_in_english_notation(de, en):
    assert numbers.missing_numbers(de, en) == []


@pytest.mark.parametrize(
    ("de", "en", "missing"),
    [
        ("25.781,40 Punkte", "25.781,40 points", "25.781,40"),
        ("1,15 Prozent", "1,15 percent", "1,15"),
        ("mit 5:4 gewonnen", "won 4:5", "5:4"),
        ("um 2.00 Uhr", "at 3 a.m.", "2.00 Uhr"),
        ("um 20.45 Uhr", "at 8:45 a.m.", "20.45 Uhr"),
    ],
)
def test_numbers_the_english_lost_or_changed_are_named(de, en, missing):
    assert [n.written for n in numbers.missing_numbers(de, en)] == [missing]
