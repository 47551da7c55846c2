"""Taking in one wire document (a pushed body, a dropped file): all its stories, or none.

A NewsML-G2 newsMessage may hold several stories; if one of them is invalid the whole document
is refused, so a file never ends up half-stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.ingest import source_health
from services.ingest.formats import Documents, read_documents
from services.ingest.intake import Intake, take_story
from shared.models import Source


def take_document(db: Session, source: Source, data: bytes, via: str) -> list[Intake]:
    """Read `data` in any format `source` takes and store its stories.

    Raises `MalformedDocument`, `UnsupportedFormat` or `ninjs.InvalidStory`; nothing is stored
    then.
    """
    return take_all(db, source, read_documents(data, source.kind), via)


def take_all(db: Session, source: Source, docs: list[Any], via: str) -> list[Intake]:
    """Store every story of `docs`; what the document held besides is written down as refused."""
    with db.begin_nested():
        intakes = [take_once(db, source, doc, via) for doc in docs]
    for item, why in docs.left_out if isinstance(docs, Documents) else []:
        source_health.record_item_error(db, source.id, f"{via}: {item}", f"left out: {why}")
    return intakes


def take_once(
    db: Session, source: Source, doc: Any, via: str, record_duplicates: bool = True
) -> Intake:
    """`take_story`, retried once when another process stored the same story a moment ago."""
    try:
        with db.begin_nested():
            return take_story(db, source, doc, via, record_duplicates)
    except IntegrityError:
        # The unique uri (or uri and version) was taken in between: now it is a duplicate.
        return take_story(db, source, doc, via, record_duplicates)
