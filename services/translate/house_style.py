"""English house style applied to every translation: quotation marks, and nothing else.

German quotes („…“, »…«, ‚…‘, ›…‹) become English ones (“…”, ‘…’). Everything else is the engine's
job: a regex that "fixes" grammar or numbers would hide the engine's mistakes from the QA gate.
"""

from __future__ import annotations

import re

_DOUBLE = (
    re.compile(r"„([^„“”]*)[“”]"),  # „…“ (German) and „…” (seen in the wild)
    re.compile(r"»([^»«]*)«"),  # »…« (German guillemets)
    re.compile(r"«([^«»]*)»"),  # «…» (Swiss)
)
_SINGLE = (
    re.compile(r"‚([^‚‘’]*)[‘’]"),  # ‚…‘
    re.compile(r"›([^›‹]*)‹"),  # ›…‹
    re.compile(r"‹([^‹›]*)›"),  # ‹…›
)
#: A German opening mark whose partner is in another sentence or was lost by the engine.
_LONE = str.maketrans({"„": "“", "‚": "‘", "»": "“", "«": "”", "›": "‘", "‹": "’"})


def english_quotes(text: str) -> str:
    for pattern in _DOUBLE:
        text = pattern.sub(r"“\1”", text)
    for pattern in _SINGLE:
        text = pattern.sub(r"‘\1’", text)
    return text.translate(_LONE)
