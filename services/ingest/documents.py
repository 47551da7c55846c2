"""Taking in one wire document (a pushed body, a dropped file): all its stories, or none.

A NewsML-G2 newsMessage may hold several stories; if one of them is invalid the whole document
is refused, so a file never ends up half-stored. A story that conflicts with a version already
stored (same version, other content) is recorded on its timeline and in the source's errors and
left out while the others go in; the push API refuses the whole push instead (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.ingest import source_health
from services.ingest.formats import Documents, read_documents
from services.ingest.intake import Intake, VersionConflict, record_conflict, take_story
from shared.models import Source


@dataclass(kw_only=True)
class IntakeCounts:
    """How the stories of a poll or scan went: the counts its summary shows."""

    stored: int = 0
    #: Already there (same version, same content): nothing to do.
    duplicates: int = 0
    #: Left out: their version is stored with other content (see `services.ingest.versions`).
    conflicts: int = 0

    def count(self, intake: Intake) -> None:
        if intake.accepted:
            self.stored += 1
        elif intake.outcome == "conflict":
            self.conflicts += 1
        else:
            self.duplicates += 1


def take_document(db: Session, source: Source, data: bytes, via: str) -> list[Intake]:
    """Read `data` in any format `source` takes and store its stories.

    Raises `MalformedDocument`, `UnsupportedFormat` or `ninjs.InvalidStory`; nothing is stored
    then.
    """
    return take_all(db, source, read_documents(data, source.kind), via)


def take_all(
    db: Session, source: Source, docs: list[Any], via: str, refuse_conflicts: bool = False
) -> list[Intake]:
    """Store every story of `docs`; what the document held besides is written down as refused.

    `refuse_conflicts` raises `VersionConflict` instead of recording a conflicting story and
    going on."""
    with db.begin_nested():
        if refuse_conflicts:
            intakes = [_take_retried(db, source, doc, via, True) for doc in docs]
        else:
            intakes = [take_once(db, source, doc, via) for doc in docs]
    for item, why in docs.left_out if isinstance(docs, Documents) else []:
        source_health.record_item_error(db, source.id, f"{via}: {item}", f"left out: {why}")
    return intakes


def take_once(
    db: Session, source: Source, doc: Any, via: str, record_duplicates: bool = True
) -> Intake:
    """`take_story`; a conflicting version is recorded (timeline, source errors) and skipped."""
    try:
        return _take_retried(db, source, doc, via, record_duplicates)
    except VersionConflict as conflict:
        record_conflict(db, conflict, via, "not stored; the stored version is kept")
        source_health.record_item_error(db, source.id, conflict.uri, str(conflict))
        return Intake(conflict.story_id, conflict.version, accepted=False, outcome="conflict")


def _take_retried(
    db: Session, source: Source, doc: Any, via: str, record_duplicates: bool
) -> Intake:
    """`take_story`, retried once when another process stored the same story a moment ago."""
    try:
        with db.begin_nested():
            return take_story(db, source, doc, via, record_duplicates)
    except IntegrityError:
        # The source's uri (or uri and version) was taken in between: now it is a duplicate.
        return take_story(db, source, doc, via, record_duplicates)
