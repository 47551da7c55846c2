"""Which language a story is in: the wire's word, checked by a detector (py3langid, offline).

The wire's `language` is trusted only when the detector agrees. When they disagree and the
detector is sure, the detector wins; when it is unsure, nobody knows and the story is held.
German is translated, English passes through, anything else is held (see `intake`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from services.ingest.sanitize import is_html, text_of
from shared import ninjs
from shared.languages import Language

#: Below this many characters of text the detector guesses; the wire's word stands alone.
MIN_TEXT_CHARS = 40
#: How sure the detector must be to overrule the wire, or to name a language the wire did not.
SURE = 0.9
#: Languages Syndikat handles: German is translated, English passes through.
HANDLED = tuple(Language)


@dataclass(frozen=True)
class LanguageCheck:
    #: The language the story is taken to be in; None when it could not be told.
    language: str | None
    explanation: str

    @property
    def handled(self) -> bool:
        return self.language in HANDLED


@cache
def _identifier() -> LanguageIdentifier:
    # Loading the model takes about a second: once per process.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_detector() -> None:
    """Load the detector now (a web process at start-up) instead of in the first story's push."""
    _identifier()


def detect(text: str) -> tuple[str, float]:
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


def story_text(doc: dict[str, Any]) -> str:
    """Headlines, descriptions and bodies as plain text."""
    parts = []
    for field in ("headlines", "descriptions", "bodies"):
        for item in doc.get(field) or []:
            value = str(item.get("value") or "")
            parts.append(text_of(value) if field != "headlines" and is_html(item) else value)
    return " ".join(" ".join(parts).split())


def check(doc: dict[str, Any], default: str | None = None) -> LanguageCheck:
    """Decide the language of `doc`; `default` is the source's usual language."""
    wire = ninjs.language(doc) or (default.split("-")[0].lower() if default else None)
    text = story_text(doc)
    if len(text) < MIN_TEXT_CHARS:
        if wire is None:
            return LanguageCheck(None, "no language given and too little text to detect one")
        return LanguageCheck(wire, f"{wire} as the wire says (too little text to check)")
    detected, probability = detect(text)
    if detected == wire:
        return LanguageCheck(wire, f"{wire}: the wire and the detector agree ({probability:.2f})")
    if probability >= SURE:
        said = f"the wire says {wire}" if wire else "the wire gives no language"
        return LanguageCheck(
            detected, f"{detected}: {said}, the text is {detected} ({probability:.2f})"
        )
    said = f"the wire says {wire}" if wire else "no language given"
    return LanguageCheck(
        None, f"language unclear: {said}, the detector guesses {detected} ({probability:.2f})"
    )
