"""Searching stories by any part of their headline, English headline or uri, through the
search index.

The English headline is each translation's (`translations.headline`, kept by the model from its
ninjs), so a story is found by the English of any of its versions. It is not in the search
index: it is matched by scanning the translations (`ILIKE`), which stays fast enough for a
newsroom's archive; the German headline and the uri use the index.

The index is each database's own (shared/search_index.py): trigram GIN indexes that serve
`ILIKE '%…%'` on PostgreSQL, an FTS5 trigram table on SQLite. A database without it (pg_trgm not
allowed, an SQLite without FTS5) gets the same answers by scanning.

The list wants the newest matching stories, a page at a time. Rather than trust the planner to
guess how many stories a text matches, the search first asks the index for up to
`MAX_MATCHES + 1` of them (in no order: cheap whatever the text):
- at most `MAX_MATCHES`: the page is cut from exactly those stories (primary-key look-ups);
- more: the text is common, and walking the stories newest first fills a page soonest.
The slow case left is a text matching more than `MAX_MATCHES` stories nearly all of which are
old: the walk passes the newer ones first.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, or_, select, text
from sqlalchemy.orm import Session

from shared.models import Story, StoryVersion, Translation
from shared.search_index import FTS_TABLE

MAX_MATCHES = 2000
#: FTS5's trigram tokenizer finds nothing shorter.
TRIGRAM = 3

_has_search_table: dict[str, bool] = {}


def matching(db: Session, wanted: str) -> ColumnElement[bool]:
    """The condition met by stories whose headline, English headline or uri contains `wanted`,
    in any case."""
    found = _first_matches(db, wanted, MAX_MATCHES + 1)
    if len(found) <= MAX_MATCHES:
        english = db.scalars(_english_matches(wanted).limit(MAX_MATCHES + 1 - len(found)))
        found = list(dict.fromkeys([*found, *english]))
    if len(found) <= MAX_MATCHES:
        return Story.id.in_(found)
    return _containing(wanted)


def _first_matches(db: Session, wanted: str, limit: int) -> list[uuid.UUID]:
    if db.get_bind().dialect.name == "sqlite" and len(wanted) >= TRIGRAM and _search_table(db):
        phrase = '"' + wanted.replace('"', '""') + '"'  # one phrase: the text as it is
        query = text(f"SELECT story_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase LIMIT :n")
        return [uuid.UUID(hex=row) for row in db.scalars(query, {"phrase": phrase, "n": limit})]
    return list(db.scalars(select(Story.id).where(_containing(wanted)).limit(limit)))


def _containing(wanted: str) -> ColumnElement[bool]:
    pattern = _pattern(wanted)
    return or_(
        Story.headline.ilike(pattern, escape="\\"),
        Story.uri.ilike(pattern, escape="\\"),
        Story.id.in_(_english_matches(wanted)),
    )


def _english_matches(wanted: str) -> Select[uuid.UUID]:
    """Stories with a translation whose English headline contains `wanted`."""
    return (
        select(StoryVersion.story_id)
        .join(Translation, Translation.story_version_id == StoryVersion.id)
        .where(Translation.headline.ilike(_pattern(wanted), escape="\\"))
    )


def _pattern(wanted: str) -> str:
    return "%" + _escape_like(wanted) + "%"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_table(db: Session) -> bool:
    key = str(db.get_bind().engine.url)
    if key not in _has_search_table:
        found = db.scalar(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": FTS_TABLE},
        )
        _has_search_table[key] = found is not None
    return _has_search_table[key]
