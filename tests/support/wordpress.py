"""A real WordPress on loopback for the WordPress delivery tests.

Debian's `wordpress` package served by `php -S`, on a fresh database in the MariaDB that runs on
this machine (TEST_MARIADB_URL, default `mysql://root@127.0.0.1:3306`). The packages are
installed with apt-get when they are missing and we are root; anything that cannot be had raises
`Unavailable`, and the tests skip with its reason.

Debian's /usr/share/wordpress/wp-config.php loads /etc/wordpress/config-<name>.php, where <name>
is `$_SERVER['WORDPRESS_CONFIG']` when that is set, else the request's host. The site's router
script sets WORDPRESS_CONFIG to a name unique to this run, so the config file is our own and no
system configuration (config-default.php, config-127.0.0.1.php) is read or touched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.debian import PackagesUnavailable, ensure_debian_packages
from tests.support.ports import free_port

WORDPRESS_DIR = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
#: php8.2-cgi and mini-httpd satisfy the package's web-server dependency, so Apache stays out.
PACKAGES = ("wordpress", "php", "php-cli", "php-mysql", "php8.2-cgi", "mini-httpd")
SETUP_SCRIPT = Path(__file__).with_name("wordpress_setup.php")
ROUTER = """<?php
$_SERVER['WORDPRESS_CONFIG'] = '{config_name}';
return false;  // serve the file asked for; unknown paths (/wp-json/...) fall back to index.php
"""


class Unavailable(Exception):
    """WordPress cannot run here; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    login: str
    app_password: str = ""


@dataclass(frozen=True)
class Site:
    url: str  # the site's home, e.g. http://127.0.0.1:43210
    admin: User
    editor: User  # an Editor: may create categories and tags and post as someone else
    writer: User  # an Author: may post, but not create categories or tags
    byline: User  # an Author with no application password, to post as

    @property
    def rest_url(self) -> str:
        return f"{self.url}/wp-json/"

    def admin_client(self) -> httpx.Client:
        """A client authenticated as the administrator, for looking at what arrived."""
        auth = (self.admin.login, self.admin.app_password)
        return httpx.Client(base_url=self.rest_url, auth=auth, timeout=30)


@contextmanager
def running_site(workdir: Path) -> Iterator[Site]:
    """Start a freshly installed WordPress; stop it and drop its database afterwards."""
    ensure_packages()
    database = _database_settings()
    config_name = f"syndikat-test-{uuid.uuid4().hex[:12]}"
    port = free_port()
    with ExitStack() as cleanup:
        _php("create-database", {"database": database})
        cleanup.callback(_php, "drop-database", {"database": database})
        config_file = _write_config(config_name, database, f"http://127.0.0.1:{port}")
        cleanup.callback(config_file.unlink, missing_ok=True)
        users = json.loads(
            _php(
                "install",
                {
                    "config_name": config_name,
                    "host": f"127.0.0.1:{port}",
                    "wordpress_dir": str(WORDPRESS_DIR),
                },
            )
        )
        server = _serve(workdir, config_name, port)
        cleanup.callback(_stop, server)
        site = Site(
            url=f"http://127.0.0.1:{port}",
            admin=User(**users["admin"]),
            editor=User(**users["editor"]),
            writer=User(**users["writer"]),
            byline=User(users["byline"]["id"], users["byline"]["login"]),
        )
        _wait_until_serving(site, server)
        yield site


def ensure_packages() -> None:
    try:
        ensure_debian_packages(PACKAGES, _installed)
    except PackagesUnavailable as exc:
        raise Unavailable(f"WordPress: {exc}") from exc


def _installed() -> bool:
    if shutil.which("php") is None or not (WORDPRESS_DIR / "wp-load.php").exists():
        return False
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    return "mysqli" in modules


def _database_settings() -> dict[str, Any]:
    url = urlsplit(os.environ.get("TEST_MARIADB_URL") or "mysql://root@127.0.0.1:3306")
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 3306,
        "user": url.username or "root",
        "password": url.password or "",
        "name": f"syndikat_wp_{uuid.uuid4().hex[:12]}",
    }


def _php(command: str, settings: dict[str, Any]) -> str:
    done = subprocess.run(
        ["php", str(SETUP_SCRIPT), command, json.dumps(settings)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-800:]
        if command == "create-database":
            server = f"{settings['database']['host']}:{settings['database']['port']}"
            raise Unavailable(f"no usable MariaDB at {server} (TEST_MARIADB_URL): {detail}")
        raise RuntimeError(f"WordPress set-up step {command!r} failed: {detail}")
    return done.stdout


def _write_config(name: str, database: dict[str, Any], home: str) -> Path:
    path = CONFIG_DIR / f"config-{name}.php"
    constants = {
        "DB_NAME": database["name"],
        "DB_USER": database["user"],
        "DB_PASSWORD": database["password"],
        "DB_HOST": f"{database['host']}:{database['port']}",
        "DB_CHARSET": "utf8mb4",
        "DB_COLLATE": "",
        "WP_HOME": home,
        "WP_SITEURL": home,
        # Application Passwords are only offered over HTTPS, or on a site declared local.
        "WP_ENVIRONMENT_TYPE": "local",
        "DISABLE_WP_CRON": True,
        "AUTOMATIC_UPDATER_DISABLED": True,
        **{key: secrets.token_urlsafe(32) for key in _SALTS},
    }
    lines = [f"define({_php_literal(k)}, {_php_literal(v)});" for k, v in constants.items()]
    try:
        CONFIG_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text("<?php\n" + "\n".join(lines) + "\n")
    except OSError as exc:
        raise Unavailable(f"cannot write the WordPress config {path}: {exc}") from exc
    return path


_SALTS = (
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
)


def _php_literal(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _serve(workdir: Path, config_name: str, port: int) -> subprocess.Popen:
    router = workdir / "router.php"
    router.write_text(ROUTER.format(config_name=config_name))
    with (workdir / "php-server.log").open("wb") as log:
        return subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(WORDPRESS_DIR), str(router)],
            # php -S answers one request at a time unless it forks workers.
            env=os.environ | {"PHP_CLI_SERVER_WORKERS": "4"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )


def _wait_until_serving(site: Site, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"php -S exited with {server.returncode}")
        try:
            if httpx.get(f"{site.url}/?rest_route=/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("WordPress did not answer within 30 s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
