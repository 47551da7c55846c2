"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shared import search_index
from shared.db import get_engine
from shared.models import Base


def test_migrated_schema_matches_the_models(db_env):
    with get_engine(db_env).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": search_index.include_object}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_story_search_index_is_there_and_only_it_is_left_out_of_the_comparison(db_env):
    """The search objects exist (this machine's databases can have them), and the comparison
    leaves out those and nothing else."""
    engine = get_engine(db_env)
    found = inspect(engine)
    if engine.dialect.name == "postgresql":
        indexes = {index["name"] for index in found.get_indexes("stories")}
        assert set(search_index.TRIGRAM_INDEXES) <= indexes
    else:
        assert search_index.FTS_TABLE in found.get_table_names()
    kept = [
        name
        for name in found.get_table_names()
        if search_index.include_object(None, name, "table", True, None)
    ]
    assert set(kept) == set(Base.metadata.tables) | {"alembic_version"}
