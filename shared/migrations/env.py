"""Alembic environment: migrates the database Syndikat is configured for."""

from __future__ import annotations

from alembic import context

from shared import models, search_index
from shared.db import get_engine

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or None
    with get_engine(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=models.Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=search_index.include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
