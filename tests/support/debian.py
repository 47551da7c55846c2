"""Debian packages the tests need (Chromium, WordPress), installed on first use.

`make test` on a fresh machine installs what it needs: where a package is missing and we are
root with apt-get, it is installed; anywhere else `PackagesUnavailable` says what to install,
and the tests that need it skip with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

_updated = False


class PackagesUnavailable(Exception):
    pass


def ensure_debian_packages(packages: tuple[str, ...], installed: Callable[[], bool]) -> None:
    """Install `packages` unless `installed()` already holds; raise when they cannot be had."""
    if installed():
        return
    wanted = "apt-get install --no-install-recommends " + " ".join(packages)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PackagesUnavailable(f"not installed and cannot be here (needs root): {wanted}")
    _apt_get("update", "-q")
    _apt_get("install", "-y", "-q", "--no-install-recommends", *packages)
    if not installed():
        raise PackagesUnavailable(f"still missing after {wanted}")


def _apt_get(*arguments: str) -> None:
    global _updated
    if arguments[0] == "update" and _updated:
        return
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", *arguments]
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise PackagesUnavailable(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    _updated = _updated or arguments[0] == "update"
