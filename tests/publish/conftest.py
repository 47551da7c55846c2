"""Fixtures for publish tests: a scripted partner site, the fixture engine, a wire source, and
a real WordPress (started once per test session, when a test asks for it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from services.translate import pipeline
from shared.models import Source
from tests.support import wordpress
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


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[wordpress.Site]:
    with ExitStack() as stack:
        try:
            started = stack.enter_context(
                wordpress.running_site(tmp_path_factory.mktemp("wordpress"))
            )
        except wordpress.Unavailable as exc:
            pytest.skip(f"no WordPress: {exc}")
        yield started


@pytest.fixture
def admin(site: wordpress.Site) -> Iterator[httpx.Client]:
    with site.admin_client() as client:
        yield client
