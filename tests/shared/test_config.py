"""The one typed configuration: every variable still read, one default each, composite values
parsed, a bad value named with its variable (and the process stopped with that one line),
secrets never shown, and docs/configuration.md generated from it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from shared import config
from shared.config import PROJECT_ROOT, ConfigurationError, Settings, get_settings, load_settings
from tests.support import services
from tools import config_reference

VARIABLES = [str(field.validation_alias) for field in Settings.model_fields.values()]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No setting's variable set (the test session sets a few), the var dir in tmp_path."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNDIKAT_VAR_DIR", str(tmp_path / "var"))
    yield monkeypatch
    services.reset_settings()


def test_defaults_give_the_embedded_setup_under_the_var_dir(env, tmp_path):
    settings = load_settings()
    var = (tmp_path / "var").resolve()

    assert settings.var_dir == var
    assert settings.database_url == f"sqlite:///{var / 'syndikat.db'}"
    assert settings.redis_url == "redis://127.0.0.1:6399/0" and settings.redis_embedded
    assert settings.cache_redis_url == "redis://127.0.0.1:6399/1"
    assert settings.model_dir == var / "models" / "de_en"
    assert settings.inbox_dir == var / "inbox"
    assert settings.deepl_url == "https://api.deepl.com"
    assert settings.secret_key.get_secret_value() == ""
    assert settings.api_tokens == () and settings.fallback_engines == ()
    assert (settings.engine, settings.log_level, settings.stall_seconds) == ("local", "INFO", 300)
    assert settings.retry_max_delay_seconds == 4 * 3600
    assert settings.dashboard_secure_cookies is True


def test_an_empty_or_blank_variable_counts_as_unset(env):
    env.setenv("SYNDIKAT_STALL_SECONDS", "")
    env.setenv("REDIS_URL", "  ")
    env.setenv("SYNDIKAT_VAR_DIR", " ")

    settings = load_settings()

    assert settings.stall_seconds == 300 and settings.redis_embedded
    assert settings.var_dir == PROJECT_ROOT / "var"


#: One value for every variable Syndikat has read since before pydantic-settings, and what it
#: becomes: the names operators' environments already use keep working.
EVERY_VARIABLE = {
    "SYNDIKAT_VAR_DIR": ("/srv/syndikat", "var_dir", Path("/srv/syndikat")),
    "DATABASE_URL": ("postgres://db/s", "database_url", "postgresql+psycopg://db/s"),
    "REDIS_URL": ("redis://cache:6379/4", "redis_url", "redis://cache:6379/4"),
    "SYNDIKAT_REDIS_KEY_PREFIX": ("one:", "redis_key_prefix", "one:"),
    "SYNDIKAT_ENGINE": ("deepl", "engine", "deepl"),
    "SYNDIKAT_FALLBACK_ENGINES": ("local,instant", "fallback_engines", ("local", "instant")),
    "SYNDIKAT_MODEL_DIR": ("/models/x", "model_dir", Path("/models/x")),
    "DEEPL_API_KEY": ("k", "deepl_api_key", SecretStr("k")),
    "SYNDIKAT_DEEPL_URL": ("http://d", "deepl_url", "http://d"),
    "SYNDIKAT_DEEPL_TARGET_LANG": ("en-gb", "deepl_target_language", "EN-GB"),
    "SYNDIKAT_LIBRETRANSLATE_URL": ("http://l", "libretranslate_url", "http://l"),
    "SYNDIKAT_LIBRETRANSLATE_KEY": ("lk", "libretranslate_key", SecretStr("lk")),
    "SYNDIKAT_MT_TIMEOUT": ("2.5", "mt_timeout_seconds", 2.5),
    "SYNDIKAT_INGEST_HOST": ("0.0.0.0", "ingest_host", "0.0.0.0"),
    "SYNDIKAT_INGEST_PORT": ("9000", "ingest_port", 9000),
    "SYNDIKAT_SECRET_KEY": ("a,b", "secret_key", SecretStr("a,b")),
    "SYNDIKAT_MAX_BODY_BYTES": ("100", "max_body_bytes", 100),
    "SYNDIKAT_MAX_FEED_BYTES": ("200", "max_feed_bytes", 200),
    "SYNDIKAT_MAX_FEED_ITEMS": ("7", "max_feed_items", 7),
    "SYNDIKAT_INBOX_DIR": ("/srv/inbox", "inbox_dir", Path("/srv/inbox")),
    "SYNDIKAT_PUBLIC_API_URL": (
        "https://api.example/",
        "public_api_url",
        "https://api.example/",
    ),
    "SYNDIKAT_MEDIA_URL_DAYS": ("2.5", "media_url_days", 2.5),
    "SYNDIKAT_API_TOKENS": ("t1,t2", "api_tokens", (SecretStr("t1"), SecretStr("t2"))),
    "SYNDIKAT_PUSH_RATE_LIMIT": ("5/second", "push_rate_limit", "5/second"),
    "SYNDIKAT_DELIVERY_TIMEOUT": ("0.8", "delivery_timeout_seconds", 0.8),
    "SYNDIKAT_VISIBILITY_TIMEOUT": ("60", "visibility_timeout_seconds", 60),
    "SYNDIKAT_STALL_SECONDS": ("20", "stall_seconds", 20),
    "SYNDIKAT_RETRY_FIRST_DELAY": ("1", "retry_first_delay_seconds", 1.0),
    "SYNDIKAT_RETRY_MAX_DELAY": ("5", "retry_max_delay_seconds", 5.0),
    "SYNDIKAT_ALLOW_PRIVATE_HOSTS": ("10.0.0.0/8", "allowed_private_hosts", ("10.0.0.0/8",)),
    "SYNDIKAT_DELIVERY_CONCURRENCY": ("3", "delivery_concurrency", 3),
    "SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS": ("48", "partner_disable_after_hours", 48.0),
    "SYNDIKAT_PARTNER_AUTH_FAILING_AFTER": ("60", "partner_auth_failing_after_seconds", 60.0),
    "SYNDIKAT_LOG_LEVEL": ("debug", "log_level", "DEBUG"),
    "SYNDIKAT_DASHBOARD_HOST": ("0.0.0.0", "dashboard_host", "0.0.0.0"),
    "SYNDIKAT_DASHBOARD_PORT": ("8123", "dashboard_port", 8123),
    "SYNDIKAT_DASHBOARD_SECURE_COOKIES": ("off", "dashboard_secure_cookies", False),
    "SYNDIKAT_DASHBOARD_TIMEZONE": ("Europe/Berlin", "dashboard_timezone", "Europe/Berlin"),
    "SYNDIKAT_DASHBOARD_TRUSTED_PROXIES": ("1", "dashboard_trusted_proxies", 1),
    "SYNDIKAT_DASHBOARD_SESSION_IDLE_MINUTES": ("15", "dashboard_session_idle_minutes", 15),
    "SYNDIKAT_API_TRUSTED_PROXIES": ("2", "api_trusted_proxies", 2),
    "SYNDIKAT_METRICS_TOKEN": ("m", "metrics_token", SecretStr("m")),
    "SYNDIKAT_OPENAI_BASE_URL": ("http://llm/v1", "openai_base_url", "http://llm/v1"),
    "SYNDIKAT_OPENAI_MODEL": ("m1", "openai_model", "m1"),
    "SYNDIKAT_OPENAI_API_KEY": ("ok", "openai_api_key", SecretStr("ok")),
    "SYNDIKAT_OPENAI_TIMEOUT": ("9", "openai_timeout_seconds", 9.0),
    "SYNDIKAT_OPENAI_MAX_SEGMENTS": ("10", "openai_max_segments", 10),
    "SYNDIKAT_OPENAI_MAX_CHARACTERS": ("900", "openai_max_characters", 900),
    "SYNDIKAT_ENGINE_BUDGETS": ("deepl=5, local=6", "engine_budgets", (("deepl", 5), ("local", 6))),
    "SYNDIKAT_ENGINE_RETRY_FIRST_DELAY": ("2", "engine_retry_first_delay_seconds", 2.0),
    "SYNDIKAT_ENGINE_RETRY_MAX_DELAY": ("8", "engine_retry_max_delay_seconds", 8.0),
    "SYNDIKAT_TRANSLATE_CONCURRENCY": ("4", "translate_concurrency", 4),
    "SYNDIKAT_MODEL_THREADS": ("2", "model_threads", 2),
    "SYNDIKAT_TRANSLATE_BATCH_WINDOW_MS": ("5", "translate_batch_window_ms", 5),
    "SYNDIKAT_TRANSLATE_BATCH_MAX_SEGMENTS": ("64", "translate_batch_max_segments", 64),
    "SYNDIKAT_DELIVERY_QUEUE_LEASE": ("30", "delivery_queue_lease_seconds", 30.0),
    "SYNDIKAT_RETAIN_SENT_OUTBOX_DAYS": ("1", "retain_sent_outbox_days", 1.0),
    "SYNDIKAT_RETAIN_DELIVERY_ATTEMPTS_DAYS": ("2", "retain_delivery_attempts_days", 2.0),
    "SYNDIKAT_RETAIN_TIMELINE_DAYS": ("3", "retain_timeline_days", 3.0),
    "SYNDIKAT_RETAIN_OLD_VERSIONS_DAYS": ("4", "retain_old_versions_days", 4.0),
    "SYNDIKAT_MEDIA_STORE": ("s3", "media_store", "s3"),
    "SYNDIKAT_MEDIA_DIR": ("/srv/media", "media_dir", Path("/srv/media")),
    "SYNDIKAT_S3_BUCKET": ("pics", "s3_bucket", "pics"),
    "SYNDIKAT_S3_ENDPOINT_URL": ("http://minio:9000", "s3_endpoint_url", "http://minio:9000"),
    "SYNDIKAT_S3_ACCESS_KEY_ID": ("AK", "s3_access_key_id", SecretStr("AK")),
    "SYNDIKAT_S3_SECRET_ACCESS_KEY": ("SK", "s3_secret_access_key", SecretStr("SK")),
    "SYNDIKAT_S3_REGION": ("eu-central-1", "s3_region", "eu-central-1"),
    "SYNDIKAT_PICTURE_MAX_BYTES": ("1000", "picture_max_bytes", 1000),
    "SYNDIKAT_PICTURE_MAX_PIXELS": ("2000", "picture_max_pixels", 2000),
    "SYNDIKAT_PICTURE_FETCH_TIMEOUT": ("2.5", "picture_fetch_timeout_seconds", 2.5),
    "SYNDIKAT_PICTURE_MAX_WIDTH": ("800", "picture_max_width", 800),
}


def test_every_variable_keeps_its_name_and_is_read(env):
    for name, (raw, _, _) in EVERY_VARIABLE.items():
        env.setenv(name, raw)

    settings = load_settings()

    for name, (_, attribute, expected) in EVERY_VARIABLE.items():
        assert getattr(settings, attribute) == expected, name
    assert not settings.redis_embedded
    assert sorted(EVERY_VARIABLE) == sorted(VARIABLES)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" deepl , local,, ", ("deepl", "local")), ("deepl", ("deepl",)), (",", ())],
)
def test_comma_lists_are_split_trimmed_and_empty_items_dropped(env, raw, expected):
    env.setenv("SYNDIKAT_FALLBACK_ENGINES", raw)
    env.setenv("SYNDIKAT_API_TOKENS", raw)

    settings = load_settings()

    assert settings.fallback_engines == expected
    assert tuple(token.get_secret_value() for token in settings.api_tokens) == expected


@pytest.mark.parametrize("limit", ["3000 per minute", "50/second;3000/minute", "10/hour"])
def test_rate_limits_in_flask_limiter_syntax_are_taken(env, limit):
    env.setenv("SYNDIKAT_PUSH_RATE_LIMIT", limit)

    assert load_settings().push_rate_limit == limit


@pytest.mark.parametrize(
    ("raw", "seconds"), [("15", 15.0), ("0.25", 0.25), (" 90 ", 90.0), ("1e3", 1000.0)]
)
def test_durations_are_seconds_as_numbers(env, raw, seconds):
    env.setenv("SYNDIKAT_DELIVERY_TIMEOUT", raw)

    assert load_settings().delivery_timeout_seconds == seconds


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("YES", True), ("on", True), ("0", False)])
def test_switches_take_the_usual_words(env, raw, value):
    env.setenv("SYNDIKAT_DASHBOARD_SECURE_COOKIES", raw)

    assert load_settings().dashboard_secure_cookies is value


def test_a_free_deepl_key_picks_the_free_api(env):
    env.setenv("DEEPL_API_KEY", "0123-abcd:fx")

    assert load_settings().deepl_url == "https://api-free.deepl.com"


@pytest.mark.parametrize(
    ("variable", "raw", "reason"),
    [
        ("SYNDIKAT_STALL_SECONDS", "abc", "valid integer"),
        ("SYNDIKAT_DELIVERY_TIMEOUT", "soon", "valid number"),
        ("SYNDIKAT_DELIVERY_TIMEOUT", "-5", "greater than 0"),
        ("SYNDIKAT_MT_TIMEOUT", "inf", "finite number"),
        ("SYNDIKAT_DASHBOARD_SECURE_COOKIES", "maybe", "valid boolean"),
        ("SYNDIKAT_PUSH_RATE_LIMIT", "lots", "not a rate limit; write e.g. '3000 per minute'"),
        ("SYNDIKAT_DASHBOARD_TIMEZONE", "Mars/Olympus", "not a time zone"),
        ("SYNDIKAT_LOG_LEVEL", "LOUD", "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
        ("SYNDIKAT_DEEPL_TARGET_LANG", "EN-AU", "'EN-US' or 'EN-GB'"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_the_value(env, variable, raw, reason):
    env.setenv(variable, raw)

    with pytest.raises(ConfigurationError) as refused:
        get_settings()

    message = str(refused.value)
    assert message.startswith(f"configuration error: {variable}={raw!r}: ")
    assert reason in message and "\n" not in message


def test_each_bad_variable_gets_its_line_and_derived_defaults_stay_quiet(env):
    # Both come before the defaults derived from other settings (inbox, model dir, DeepL URL),
    # which pydantic then does not compute: their complaints would only be noise.
    env.setenv("SYNDIKAT_PUSH_RATE_LIMIT", "lots")
    env.setenv("SYNDIKAT_INGEST_PORT", "http")

    with pytest.raises(ConfigurationError) as refused:
        load_settings()

    lines = str(refused.value).splitlines()
    assert [line.split("=")[0] for line in lines] == [
        "configuration error: SYNDIKAT_INGEST_PORT",
        "configuration error: SYNDIKAT_PUSH_RATE_LIMIT",
    ]


def test_a_refused_secret_is_named_but_never_repeated(env):
    # No secret can be refused from the environment today (any text is a secret); the message
    # must stay safe should one ever get a rule. Values given directly go the same way.
    with pytest.raises(ValidationError) as refused:
        Settings(SYNDIKAT_METRICS_TOKEN=12345678, SYNDIKAT_API_TOKENS=["ok", 87654321])

    message = config._explain(refused.value)

    assert "SYNDIKAT_METRICS_TOKEN: " in message and "SYNDIKAT_API_TOKENS.1: " in message
    assert "12345678" not in message and "87654321" not in message


def run_with(env_changes: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    bin_dir = Path(sys.executable).parent
    return subprocess.run(
        [str(bin_dir / command[0]), *command[1:]],
        env=os.environ | env_changes,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("syndikat", "db", "upgrade"),
        ("syndikat", "run", "--no-samples"),
        ("celery", "-A", "services.publish.worker", "worker", "-Q", "publish"),
        (
            "gunicorn",
            "-b",
            "127.0.0.1:0",
            "--no-control-socket",
            "services.api:create_app()",
        ),
    ],
    ids=["cli", "run", "worker", "api"],
)
def test_a_process_with_a_bad_setting_stops_with_that_one_line(tmp_path, command):
    bad = {"SYNDIKAT_STALL_SECONDS": "abc", "SYNDIKAT_VAR_DIR": str(tmp_path / "var")}

    stopped = run_with(bad, *command)

    expected = "configuration error: SYNDIKAT_STALL_SECONDS='abc': Input should be a valid integer"
    assert stopped.returncode == ConfigurationError.EXIT_STATUS
    assert "Traceback" not in stopped.stderr
    assert [line for line in stopped.stderr.splitlines() if line.startswith("configuration")] == [
        f"{expected}, unable to parse string as an integer"
    ]


SECRETS = {
    "SYNDIKAT_SECRET_KEY": "secret-key-value-1",
    "SYNDIKAT_API_TOKENS": "api-token-value-2,api-token-value-3",
    "DEEPL_API_KEY": "deepl-key-value-4:fx",
    "SYNDIKAT_LIBRETRANSLATE_KEY": "libre-key-value-5",
    "SYNDIKAT_METRICS_TOKEN": "metrics-token-value-6",
    "DATABASE_URL": "postgresql://syndikat:db-password-7@db.internal/syndikat",
    "REDIS_URL": "redis://:redis-password-8@redis.internal:6379/0",
    "SYNDIKAT_LIBRETRANSLATE_URL": "https://user:libre-password-9@mt.example/",
}


def test_no_secret_appears_in_the_settings_repr_or_str(env):
    for name, value in SECRETS.items():
        env.setenv(name, value)

    settings = load_settings()

    for shown in (repr(settings), str(settings)):
        for secret in ("value-1", "value-2", "value-3", "value-4", "value-5", "value-6",
                       "password-7", "password-8", "password-9"):  # fmt: skip
            assert secret not in shown
        assert "db.internal" in shown and "redis.internal" in shown
    assert settings.secret_key.get_secret_value() == "secret-key-value-1"
    assert settings.database_url.endswith("syndikat:db-password-7@db.internal/syndikat")


def test_every_setting_that_names_a_secret_is_a_secret_type():
    words = ("secret", "token", "_key", "password")
    not_secret = {"redis_key_prefix"}  # a name, not a key
    for name, field in Settings.model_fields.items():
        if any(word in name for word in words) and name not in not_secret:
            assert field.annotation in (SecretStr, tuple[SecretStr, ...]), name


def test_every_setting_has_a_description_and_a_group_of_the_reference():
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert isinstance(field.json_schema_extra, dict), name
        assert field.json_schema_extra["group"] in config_reference.GROUPS, name


def test_the_configuration_reference_is_generated_from_the_settings():
    page = config_reference.PAGE.read_text(encoding="utf-8")

    assert page == config_reference.render(), "run: python -m tools.config_reference"
    for name in VARIABLES:
        assert f"| `{name}` |" in page
