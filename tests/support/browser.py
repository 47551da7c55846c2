"""Headless Chromium for browser tests: Debian's `chromium` driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` fetches a build from
outside the package registries): Debian's Chromium is installed on first use where we may
(tests/support/debian.py), and the tests skip with the reason where it cannot be had or does
not start.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.debian import PackagesUnavailable, ensure_debian_packages

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        ensure_debian_packages(("chromium",), _chromium_path)
    except PackagesUnavailable as exc:
        pytest.skip(f"Debian's chromium: {exc}")
    executable = _chromium_path()
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(executable), args=ARGS)
        except Error as exc:
            pytest.skip(f"chromium does not start here: {str(exc).splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()


def _chromium_path() -> str | None:
    return str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")


class Screenshots:
    """Numbered screenshots of one test run, kept under test-artifacts/browser/<run>/."""

    def __init__(self, page: Any, run: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / run
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def take(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
