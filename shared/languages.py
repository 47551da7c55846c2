"""The languages the pipeline speaks: German wire copy is translated, English passes through."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """ISO 639-1 codes, as ninjs `language` and the language detectors write them."""

    GERMAN = "de"
    ENGLISH = "en"
