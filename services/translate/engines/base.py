"""The contract every translation engine meets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from services.translate.glossary import GlossarySnapshot


class EngineName(StrEnum):
    """The engines Syndikat ships, by the name used in `SYNDIKAT_ENGINE`."""

    LOCAL = "local"
    DEEPL = "deepl"
    LIBRETRANSLATE = "libretranslate"
    INSTANT = "instant"
    OPENAI = "openai"


class EngineError(RuntimeError):
    """The engine failed on this input, or is misconfigured."""


class EngineUnavailable(EngineError):
    """The engine cannot run right now (no model installed, service down). Try again later."""


class Engine(Protocol):
    """What the pipeline asks of an engine (wrappers such as the micro-batcher included)."""

    #: Recorded with every translation, e.g. "local:opus-mt-de-en".
    name: str

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        """Translate a batch of segments; the result has one entry per segment.

        Segments are sentences in marker text (`services.translate.markup`): XML-escaped text in
        which `<gN>…</gN>` and `<xN/>` markers stand for inline markup and glossary terms. An
        engine carries the markers over to where they belong in the English.
        """
        ...


class EnginePlugin(Engine, Protocol):
    """An engine class `SYNDIKAT_ENGINE` can name (`module:Class`): it builds itself."""

    @classmethod
    def from_settings(cls) -> Self:
        """Build the engine from `shared.config` settings."""
        ...


@runtime_checkable
class GlossaryEngine(Protocol):
    """An engine that applies the glossary itself (DeepL) instead of placeholder markers."""

    def translate_with_glossary(
        self,
        segments: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]: ...


@runtime_checkable
class StoryEngine(Protocol):
    """An engine that reads the story as context (an LLM): when only some of a story's
    sentences need translating (the rest came from memory), it is shown the others too."""

    def translate_story(
        self,
        segments: Sequence[str],
        story: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]: ...


@dataclass
class Usage:
    """What an engine spent on the segments it translated (the pipeline counts characters)."""

    characters: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    def add(self, other: Usage) -> None:
        self.characters += other.characters
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.requests += other.requests


@runtime_checkable
class MeteredEngine(Protocol):
    """An engine that counts what its service billed (tokens, requests) since it was last asked."""

    def take_usage(self) -> Usage:
        """What was spent since the last call, counters back to zero."""
        ...


class TakesGlossary:
    """For engines that apply the glossary themselves: plain text is an empty glossary."""

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        from services.translate.glossary import GlossarySnapshot

        no_terms = GlossarySnapshot(0)
        return self.translate_with_glossary(  # type: ignore[attr-defined]
            segments, source_language, target_language, no_terms
        )
