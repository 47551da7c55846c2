"""Picture credits in English: the German label word is rendered, the names stay as sent.

A credit is attribution, not prose: "Foto: Kay Nietfeld/dpa" names a photographer and an agency
exactly as they want to be named, so it never goes to an engine. Only a label word followed by
a colon ("Foto:", "Bild:", "Grafik:") is German, and it has one fixed English.
"""

from __future__ import annotations

import re

LABELS = {
    "foto": "Photo",
    "fotos": "Photos",
    "bild": "Picture",
    "bilder": "Pictures",
    "grafik": "Graphic",
    "grafiken": "Graphics",
    "archivfoto": "Archive photo",
    "archivbild": "Archive picture",
    "illustration": "Illustration",
    "karte": "Map",
}

_LABEL = re.compile(
    r"(?<!\w)(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")(?=\s*:)", re.IGNORECASE
)


def english_credit(credit: str) -> str:
    """`credit` with each German label word ("Foto:") in English ("Photo:"); all else as sent."""
    return _LABEL.sub(_english_label, credit)


def _english_label(match: re.Match[str]) -> str:
    german = match.group(1)
    english = LABELS[german.casefold()]
    return english.upper() if german.isupper() and len(german) > 1 else english
