"""The hostile input suite: every surface that takes input from outside, attacked on purpose.

One module per surface (the push API, the management API, XML and feeds, the dashboard's forms,
partner URLs), each a table of cases. Every case checks three things: a clear 4xx (or the
outcome the README promises), nothing half-stored (the row count of every table unchanged, or
changed exactly as promised), and the service still answering a valid request afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.models import Base
from tests.support.api import api_client
from tests.support.factories import add_source, new_secret

Counts = dict[str, int]


def table_counts(db: Any) -> Counts:
    """Rows in every table of the schema."""
    db.expire_all()
    return {
        table.name: db.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def rows(db: Any) -> Callable[[], Counts]:
    return lambda: table_counts(db)


@pytest.fixture
def client(db_env: str) -> Any:
    return api_client()


@pytest.fixture
def secret(db: Any) -> str:
    """The push secret of the source "wire"."""
    value = new_secret()
    add_source(db, "wire", secret=value, attribution="Source: Stern")
    return value


def changed(before: Counts, after: Counts) -> Counts:
    """The tables whose row count changed, with the difference."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}
