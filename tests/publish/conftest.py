"""Fixtures for publish tests: a scripted partner site, the fixture engine, a wire source."""

from __future__ import annotations

from typing import Any

import pytest

from services.translate import pipeline
from shared.models import Source
from tests.support.factories import add_source
from tests.support.receiver import Receiver
from tests.support.settings import changed_settings


@pytest.fixture
def partner_site() -> Any:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def fixture_engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SYNDIKAT_ENGINE", "tests.support.fixture_engine:FixtureEngine")
    pipeline.configured_engine.cache_clear()
    yield
    pipeline.configured_engine.cache_clear()


@pytest.fixture
def wire(db: Any) -> Source:
    return add_source(db, attribution="Source: Stern")


@pytest.fixture
def settings() -> Any:
    with changed_settings() as change:
        yield change
