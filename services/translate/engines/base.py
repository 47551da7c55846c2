"""The contract every translation engine meets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self


class EngineError(RuntimeError):
    """The engine failed on this input, or is misconfigured."""


class EngineUnavailable(EngineError):
    """The engine cannot run right now (no model installed, service down). Try again later."""


class Engine(Protocol):
    #: Recorded with every translation, e.g. "local:opus-mt-de-en".
    name: str

    @classmethod
    def from_settings(cls) -> Self:
        """Build the engine from `shared.config` settings."""
        ...

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        """Translate a batch of plain-text segments; the result has one entry per segment."""
        ...
