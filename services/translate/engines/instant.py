"""A test engine: returns its input marked as translated, instantly.

For tests and benchmarks only, where the engine's speed or language must not matter. Its output
is plainly not English, so nothing real is ever published with it by mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from services.translate.engines.base import EngineName

MARK = "[en] "


class InstantEngine:
    name = EngineName.INSTANT

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        return [MARK + segment for segment in segments]
