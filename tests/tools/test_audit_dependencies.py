"""`make audit`: a vulnerable lock fails; versions that could not be checked never pass quietly."""

from __future__ import annotations

import pytest

from tools.audit_dependencies import exit_code, judge

CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
}
UNCHECKED = {"name": "alembic", "skip_reason": "Dependency not found on PyPI: alembic (1.20.1)"}


@pytest.mark.parametrize("unreachable", ["fail", "warn"])
def test_a_known_vulnerability_always_fails_and_names_the_fix(unreachable):
    status, message = exit_code(judge({"dependencies": [CLEAN, VULNERABLE]}), unreachable)
    assert status == 1
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in message


def test_dependencies_that_could_not_be_checked_fail_the_audit():
    status, message = exit_code(judge({"dependencies": [CLEAN, UNCHECKED]}), "fail")
    assert status == 2
    assert "1 of 2 locked dependencies could NOT be checked" in message


def test_warn_passes_unchecked_dependencies_only_with_a_banner():
    status, message = exit_code(judge({"dependencies": [UNCHECKED]}), "warn")
    assert status == 0
    assert "NO VULNERABILITY AUDIT WAS DONE" in message


def test_a_clean_report_passes():
    assert exit_code(judge({"dependencies": [CLEAN]}), "fail") == (
        0,
        "make audit: 1 locked dependencies, no known vulnerabilities",
    )
