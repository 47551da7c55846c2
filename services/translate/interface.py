"""Translate's public face: what the dashboard and the other services may call.

The glossary, reviewing held translations, and the segments a story is translated in (the
dashboard shows German and English side by side). Everything else in services/translate is
translate's own business; tests/test_boundaries.py fails when another part imports it.
"""

from __future__ import annotations

from services.translate import usage
from services.translate.engines import Usage, engine_chain
from services.translate.glossary import GlossaryError, add_term, remove_term
from services.translate.glossary import snapshot as glossary_snapshot
from services.translate.markup import MARKER
from services.translate.pipeline import PASSTHROUGH
from services.translate.qa import location as qa_location
from services.translate.review import ReviewError, approve, edit_segment
from services.translate.review import waiting as waiting_for_review
from services.translate.segments import TRANSLATED_FIELDS, Block, Segmented, Unit, blocks_of
from services.translate.segments import pictures as picture_associations
from services.translate.segments import segment as segment_story

__all__ = [
    "MARKER",
    "PASSTHROUGH",
    "TRANSLATED_FIELDS",
    "Block",
    "GlossaryError",
    "ReviewError",
    "Segmented",
    "Unit",
    "Usage",
    "add_term",
    "approve",
    "blocks_of",
    "edit_segment",
    "engine_chain",
    "glossary_snapshot",
    "picture_associations",
    "qa_location",
    "remove_term",
    "segment_story",
    "usage",
    "waiting_for_review",
]
