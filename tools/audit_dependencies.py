"""`make audit`: pip-audit over the locked dependencies (requirements.lock), with a clear verdict.

pip-audit asks PyPI's vulnerability data about every exact version in the lock. Three outcomes:

- a locked version has a known vulnerability: always a failure, listing each with its fix;
- every version was checked and none is vulnerable: success;
- some versions could not be checked (the service is unreachable, or does not know them):
  pip-audit itself would pass quietly, which is the one thing an audit must never do. Here it
  fails with a message saying so (`--unreachable fail`, the default), or, with
  `--unreachable warn`, prints a banner that cannot be missed and passes (for machines that
  cannot reach any vulnerability service; the audit still runs wherever one answers).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


@dataclass
class Verdict:
    checked: int = 0
    #: "name version: ID (fixed in …)" for every known vulnerability in a locked version.
    vulnerable: list[str] = field(default_factory=list)
    #: Why a locked version could not be checked, one line each.
    unchecked: list[str] = field(default_factory=list)


def judge(report: dict) -> Verdict:
    """Read pip-audit's JSON report."""
    verdict = Verdict()
    for dependency in report.get("dependencies", []):
        if dependency.get("skip_reason"):
            verdict.unchecked.append(dependency["skip_reason"])
            continue
        verdict.checked += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            verdict.vulnerable.append(
                f"{dependency['name']} {dependency.get('version', '?')}: {vuln['id']} "
                f"(fixed in {fixed})"
            )
    return verdict


def exit_code(verdict: Verdict, unreachable: str) -> tuple[int, str]:
    """The status `make audit` ends with, and what it says."""
    if verdict.vulnerable:
        lines = "\n  ".join(verdict.vulnerable)
        return 1, f"make audit: known vulnerabilities in locked dependencies:\n  {lines}\n" + (
            "Raise the version in requirements.lock (make lock ARGS='--upgrade-package NAME')."
        )
    if verdict.unchecked:
        total = verdict.checked + len(verdict.unchecked)
        message = (
            f"make audit: {len(verdict.unchecked)} of {total} locked dependencies could NOT be "
            "checked for vulnerabilities — is the vulnerability service (PyPI's JSON API) "
            f"reachable from here? First reason: {verdict.unchecked[0]}"
        )
        if unreachable == "warn":
            banner = "!" * 100
            return 0, f"{banner}\n{message}\nNO VULNERABILITY AUDIT WAS DONE.\n{banner}"
        return 2, message
    return 0, f"make audit: {verdict.checked} locked dependencies, no known vulnerabilities"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unreachable", choices=("fail", "warn"), default="fail")
    parser.add_argument("--lock", type=Path, default=LOCK)
    args = parser.parse_args()
    command = [
        str(Path(sys.executable).parent / "pip-audit"),
        *("--requirement", str(args.lock), "--no-deps", "--disable-pip"),
        *("--format", "json", "--progress-spinner", "off"),
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        report = {"dependencies": [{"name": "*", "skip_reason": f"pip-audit failed: {last}"}]}
    status, message = exit_code(judge(report), args.unreachable)
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
