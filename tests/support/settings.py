"""Changing settings for one test, and putting them back (settings are cached per process)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def changed_settings() -> Iterator[Callable[..., None]]:
    """Yields `change(NAME="value", …)`; the environment and the cache are restored after."""
    from shared.config import get_settings

    saved: dict[str, str | None] = {}

    def change(**env: str) -> None:
        for name, value in env.items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        get_settings.cache_clear()

    try:
        yield change
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
