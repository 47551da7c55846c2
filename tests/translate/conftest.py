"""Fixtures for the translate service's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from services.translate import pipeline
from shared.config import get_settings


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set environment variables for one test (settings and built engines are re-read)."""

    def use(**env: str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        pipeline.configured_engine.cache_clear()

    yield use
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
