"""Headless Chromium for browser tests: Debian's `chromium` driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` fetches a build from
outside the package registries); the tests skip with the reason when Debian's Chromium is
missing or does not start.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@contextmanager
def chromium() -> Iterator[Any]:
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not executable:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
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
