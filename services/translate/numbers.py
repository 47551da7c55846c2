"""Numbers as values, read in German and in English notation, for the QA gate.

German: 25.781,40 (thousands dot, decimal comma), 1,15, 21.400, times "2.00 Uhr", "09:15 Uhr",
"8 Uhr", scores and ratios 5:4. English: 25,781.40, 1.15, 21,400, times 2:00, 2 a.m., 8:45 p.m.,
20:45. Each number becomes a key ("n:25781.4", "t:2:00", "r:5:4") so the two sides compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Number:
    #: As written in the text ("25.781,40").
    written: str
    #: What it means, comparable across languages ("n:25781.4").
    key: str
    #: Other ways English may carry it: "2.00 Uhr" may become "2 a.m." or plain "2".
    also: tuple[str, ...] = ()


_GERMAN = re.compile(
    r"(?P<time>(?<![\d.,:])(?P<th>\d{1,2})(?:[.:](?P<tm>\d{2}))?\s*Uhr\b)"
    r"|(?P<ratio>(?<![\d.,:])\d+:\d+(?![\d:]))"
    r"|(?P<number>(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?![\d]))"
)
_ENGLISH = re.compile(
    r"(?P<time>(?<![\d.,:])(?P<th>\d{1,2})(?:[:.](?P<tm>\d{2}))?\s*"
    r"(?P<half>a\.\s?m\.|p\.\s?m\.|am\b|pm\b|o'clock\b))"
    r"|(?P<clock>(?<![\d.,:])(?P<ch>\d{1,2}):(?P<cm>\d{2})(?![\d:]))"
    r"|(?P<ratio>(?<![\d.,:])\d+:\d+(?![\d:]))"
    r"|(?P<number>(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d]))"
)


def german_numbers(text: str) -> list[Number]:
    found = []
    for match in _GERMAN.finditer(text):
        also: tuple[str, ...] = ()
        if match["time"]:
            hour, minute = int(match["th"]), int(match["tm"] or 0)
            key = _time_key(hour, minute)
            also = (f"n:{hour}",) if minute == 0 else (_number_key(f"{hour}.{minute:02d}"),)
        elif match["ratio"]:
            key = "r:" + match["ratio"]
        else:
            key = _number_key(match["number"].replace(".", "").replace(",", "."))
        found.append(Number(match.group(0), key, also))
    return found


def english_keys(text: str) -> set[str]:
    """Every meaning a number in English text may have (20:45 is a time or a score)."""
    keys = set()
    for match in _ENGLISH.finditer(text):
        if match["time"]:
            hour, half = int(match["th"]), match["half"].replace(" ", "").lower()
            if half.startswith("p") and hour < 12:
                hour += 12
            elif half.startswith("a") and hour == 12:
                hour = 0
            keys.add(_time_key(hour, int(match["tm"] or 0)))
        elif match["clock"]:
            keys.add(_time_key(int(match["ch"]), int(match["cm"])))
            keys.add("r:" + match["clock"])
        elif match["ratio"]:
            keys.add("r:" + match["ratio"])
        else:
            keys.add(_number_key(match["number"].replace(",", "")))
    return keys


def missing_numbers(german: str, english: str) -> list[Number]:
    """Numbers of the German text that the English does not have (each reported once)."""
    present = english_keys(english)
    missing: dict[str, Number] = {}
    for number in german_numbers(german):
        if present.isdisjoint((number.key, *number.also)):
            missing.setdefault(number.key, number)
    return list(missing.values())


def _time_key(hour: int, minute: int) -> str:
    return f"t:{hour}:{minute:02d}"


def _number_key(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "n:" + text
    return "n:" + format(value.normalize(), "f")


def english_notation(number: Number) -> str:
    """How the English should write a German number, for review messages."""
    kind, _, value = number.key.partition(":")
    if kind != "n":
        return value
    whole, _, fraction = value.partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return grouped + (f".{fraction}" if fraction else "")
