"""The docs point at things that exist: every test the Guarantees table names is there.

(`make docs` checks the links between pages; docs/openapi.yaml has tests/test_openapi.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: `tests/x/test_y.py`, `tests/x/test_y.py::test_z` or `…::test_z` (the same file as before it).
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+(?:\.py)?|…)(?:::(\w+))?`")


def named_tests(page: str) -> list[tuple[str, str | None]]:
    found, last_file = [], ""
    for path, name in TEST_REFERENCE.findall(page):
        last_file = last_file if path == "…" else path
        found.append((last_file, name or None))
    return found


def missing(references: list[tuple[str, str | None]]) -> list[str]:
    gone = []
    for path, name in references:
        target = ROOT / path
        if not target.exists():
            gone.append(path)
        elif name and not re.search(rf"^def {name}\(", target.read_text(), re.M):
            gone.append(f"{path}::{name}")
    return gone


def test_every_test_the_guarantees_name_exists():
    references = named_tests((ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8"))

    assert len(references) > 30
    assert missing(references) == []


def test_a_renamed_or_moved_test_is_noticed():
    page = (
        "`tests/test_docs.py::test_that_never_was`, `…::test_a_renamed_or_moved_test_is_noticed`,"
        " `tests/nowhere.py`"
    )

    assert missing(named_tests(page)) == [
        "tests/test_docs.py::test_that_never_was",
        "tests/nowhere.py",
    ]
