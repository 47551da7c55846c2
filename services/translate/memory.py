"""Translation memory: each unit's English under (source text, engine, glossary version).

A story's next version asks the engine only for the units it has not seen; a reviewer's edit is
stored under `REVIEWER` and wins over every engine's English for the same source, whatever the
glossary version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared import db as database
from shared.models import MemoryEntry, utcnow
from shared.models.memory import REVIEWER

ENGINE = "engine"
MEMORY = "memory"


@dataclass(frozen=True)
class Recalled:
    english: str
    #: "memory" (an engine's earlier English) or "reviewer".
    origin: str


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def recall(
    db: Session, sources: Iterable[str], engine: str, glossary_version: int
) -> dict[str, Recalled]:
    """What the memory holds for `sources`: reviewer edits first, else this engine's English."""
    by_hash = {source_hash(source): source for source in sources}
    if not by_hash:
        return {}
    query = (
        select(MemoryEntry)
        .where(MemoryEntry.source_hash.in_(by_hash), MemoryEntry.engine.in_((REVIEWER, engine)))
        .order_by(MemoryEntry.updated_at)
    )
    found: dict[str, Recalled] = {}
    for entry in db.scalars(query):
        source = by_hash[entry.source_hash]
        if entry.source != source:
            continue  # a hash collision would be astronomically rare; never trust one
        if entry.engine == REVIEWER:
            found[source] = Recalled(entry.target, REVIEWER)  # newest edit last, so it wins
        elif entry.glossary_version == glossary_version and source not in found:
            found[source] = Recalled(entry.target, MEMORY)
    return found


def remember(
    db: Session, pairs: Iterable[tuple[str, str]], engine: str, glossary_version: int
) -> None:
    """Store an engine's English; an entry another worker stored meanwhile is kept."""
    rows = [
        _row(source, english, engine, glossary_version) for source, english in dict(pairs).items()
    ]
    if rows:
        db.execute(_insert(db).values(rows).on_conflict_do_nothing())


def remember_edit(db: Session, source: str, english: str, glossary_version: int) -> None:
    """Store (or replace) a reviewer's English for a source."""
    statement = _insert(db).values(_row(source, english, REVIEWER, glossary_version))
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["source_hash", "engine", "glossary_version"],
            set_={"target": english, "updated_at": utcnow()},
        )
    )


def _row(source: str, english: str, engine: str, glossary_version: int) -> dict:
    now = utcnow()
    return {
        "source_hash": source_hash(source),
        "engine": engine,
        "glossary_version": glossary_version,
        "source": source,
        "target": english,
        "created_at": now,
        "updated_at": now,
    }


def _insert(db: Session) -> postgresql.Insert | sqlite.Insert:
    dialect = postgresql if database.is_postgres(db) else sqlite
    return dialect.insert(MemoryEntry)
