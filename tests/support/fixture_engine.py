"""A test engine with English written by hand for the test fixtures' German segments.

Configured by import path (`SYNDIKAT_ENGINE=tests.support.fixture_engine:FixtureEngine`), which
also exercises how a newsroom plugs in its own engine. Unknown text is an engine failure: a test
never gets German back labelled as English.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from services.translate.engines import EngineError

ENGLISH = {
    "Das Rathaus bleibt am Montag geschlossen": "The town hall stays closed on Monday",
    "Die Stadt renoviert den Ratssaal.": "The city is renovating the council chamber.",
    "Das Rathaus bleibt am Montag geschlossen.": "The town hall stays closed on Monday.",
    "Die Bürgerämter öffnen am Dienstag um 8 Uhr.": (
        "The citizens' offices open on Tuesday at 8 a.m."
    ),
}


class FixtureEngine:
    name = "fixture"

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        missing = [s for s in segments if s and s not in ENGLISH]
        if missing:
            raise EngineError(f"no fixture English for {missing[0]!r}")
        return [ENGLISH.get(segment, "") for segment in segments]
