"""The story search index: objects only one database has, which the models do not describe.

Searching stories by any part of their headline or uri (`%…%`) cannot use an ordinary index, so
migration 0007 adds one of each database's own:

- PostgreSQL: trigram GIN indexes (the `pg_trgm` extension) on `stories.headline` and
  `stories.uri`; `ILIKE '%…%'` uses them as it is.
- SQLite: an FTS5 table with the trigram tokenizer, `stories_search`, kept in step with
  `stories` by triggers. Its rowid is the story's current version id (an INTEGER PRIMARY KEY
  elsewhere, so VACUUM never renumbers it) and it carries the story id.

Where the database cannot have them (pg_trgm not installed or not allowed to the migrating
user; SQLite without FTS5 or older than 3.34) the migration leaves them out and searching scans.
`include_object` keeps them out of the comparison of models and migrations (autogenerate and
tests/shared/test_migrations.py): they are there on purpose, not drift.

It stays in shared/ although only the dashboard searches: the migrations (shared/migrations/env.py)
need it too, and shared/ imports no service.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "stories_search"
TRIGRAM_INDEXES = ("ix_stories_headline_trgm", "ix_stories_uri_trgm")


def include_object(
    _object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's hook: False for the search objects found in the database (and nowhere else)."""
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "table":
        # FTS5 keeps its index in shadow tables: stories_search_data, _idx, _content, …
        return name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")
    if type_ == "index":
        return name not in TRIGRAM_INDEXES
    return True
