"""The review queue's actions, as the dashboard calls them.

PHASE 2 ADAPTER: approving and editing belong to the translation service
(`services/translate/review.py`, issue 4). Until that module is merged these functions refuse
with a clear message; then each becomes a one-line call into it. The dashboard never changes a
translation itself.
"""

from __future__ import annotations

import uuid


class ReviewUnavailable(RuntimeError):
    """The review action cannot be carried out (yet); the message says why."""


NOT_YET = (
    "approving and editing come with the translation review module "
    "(services/translate/review.py), which this installation does not have yet"
)


def approve(story_id: uuid.UUID, reviewer: str) -> None:
    """Release the story's held translation for publishing."""
    raise ReviewUnavailable(NOT_YET)


def edit_segment_and_approve(story_id: uuid.UUID, index: int, text: str, reviewer: str) -> None:
    """Replace one English segment (it also goes into translation memory), then approve."""
    raise ReviewUnavailable(NOT_YET)
