"""`make test-future`: the time-dependent tests again, with the clock a year ahead.

Every test marked `clock` (tests/conftest.py marks those using the `clock` fixture and the
modules that reason about the wall clock) runs under Debian's libfaketime (`faketime`), which
moves every clock the test process reads — Python's, OpenSSL's, the database drivers' — 365
days on. A fixed date that meets a real `now()` fails here today instead of on the day the
calendar passes it. End-to-end tests (separate worker processes) are left out to keep it fast.

Monotonic clocks stay real (FAKETIME_DONT_FAKE_MONOTONIC): timeouts and sleeps behave.
Where faketime is missing it is installed (root with apt-get); where it cannot be, the run is
skipped with a loud note rather than failing `make test` on a machine that cannot have it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.support.debian import PackagesUnavailable, ensure_debian_packages

OFFSET = "+365d"
SELECTION = ["-m", "clock and not e2e", "-p", "no:cacheprovider", "-q"]


def main(arguments: list[str]) -> int:
    try:
        ensure_debian_packages(("faketime",), lambda: shutil.which("faketime") is not None)
    except PackagesUnavailable as reason:
        _loud(f"SKIPPED: the tests a year ahead need faketime; {reason}")
        return 0
    environment = os.environ | {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    shifted = ["faketime", "-m", "-f", OFFSET]  # -m: libfaketimeMT, the tests run threads
    shown = subprocess.run([*shifted, "date", "-u"], env=environment, capture_output=True)
    if shown.returncode != 0:
        _loud(f"FAILED: faketime does not work here: {shown.stderr.decode().strip()}")
        return 1
    when = shown.stdout.decode().strip()
    print(f"time-dependent tests with the clock a year ahead ({when}):", flush=True)
    command = [*shifted, sys.executable, "-m", "pytest", *SELECTION, *arguments]
    return subprocess.run(command, env=environment).returncode


def _loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n{message}\n{bar}\n", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
