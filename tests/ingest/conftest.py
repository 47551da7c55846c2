"""Fixtures the ingest tests share: the API's test client and a push source."""

from __future__ import annotations

from typing import Any

import pytest

from services.api import create_app
from tests.support.factories import add_source, new_secret


@pytest.fixture
def client(db_env: str) -> Any:
    return create_app({"TESTING": True}).test_client()


@pytest.fixture
def secret(db: Any) -> str:
    """The push secret of the source "wire"."""
    value = new_secret()
    add_source(db, "wire", secret=value, attribution="Source: Stern")
    return value
