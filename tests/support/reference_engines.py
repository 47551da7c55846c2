"""Test engines for `syndikat engines compare`, built on the reference set in samples/reference.

`ReferenceEngine` answers every German sentence there with its reference English (a perfect
engine); `GarbageEngine` answers with the same words shuffled across the whole set (English
words, wrong sentences); `BatchingReferenceEngine` is the perfect one batched across stories
like the local model, and records its calls. Configured by import path like any plug-in engine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import ClassVar, Self

from services.translate import compare
from services.translate.engines import EngineError

REFERENCE_SET = Path(__file__).resolve().parents[2] / "samples" / "reference"


@cache
def reference_english() -> dict[str, str]:
    """German sentence (marker text, as engines get it) -> its reference English."""
    english: dict[str, str] = {}
    for story in compare.load_references(REFERENCE_SET):
        units = compare.segments.segment(story.doc).units
        english |= {unit.text: line for unit, line in zip(units, story.references, strict=True)}
    return english


class ReferenceEngine:
    name = "reference"

    @classmethod
    def from_settings(cls) -> Self:
        return cls()

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        known = reference_english()
        missing = [segment for segment in segments if segment not in known]
        if missing:
            raise EngineError(f"no reference English for {missing[0]!r}")
        return [known[segment] for segment in segments]


class GarbageEngine(ReferenceEngine):
    name = "garbage"

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        words = " ".join(reference_english().values()).split()
        rng = random.Random(len(segments))
        return [" ".join(rng.sample(words, len(segment.split()))) for segment in segments]


class BatchingReferenceEngine(ReferenceEngine):
    name = "reference-batched"
    batches_stories = True
    #: The segments of every call, in this process.
    calls: ClassVar[list[list[str]]] = []

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        BatchingReferenceEngine.calls.append(list(segments))
        return super().translate(segments, source_language, target_language)
