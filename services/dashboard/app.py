"""The dashboard's entry point: `create_app()` for Flask and any WSGI server.

`gunicorn "services.dashboard.app:create_app()"` serves it; each page is a blueprint listed in
`BLUEPRINTS`. Everything but the login page, /healthz and /metrics needs a signed-in user.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask

from services.dashboard import (
    audit_log,
    auth,
    deliveries,
    formatting,
    glossary,
    monitoring,
    overview,
    partners,
    publish_queue,
    review,
    roles,
    security,
    sources,
    stories,
    story,
    user_admin,
)
from shared import crypto
from shared.config import get_settings
from shared.logging import configure_logging

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth.bp,
    overview.bp,
    stories.bp,
    story.bp,
    deliveries.bp,
    publish_queue.bp,
    review.bp,
    partners.bp,
    sources.bp,
    glossary.bp,
    monitoring.bp,
    user_admin.bp,
    audit_log.bp,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    configure_logging("dashboard")
    app = Flask(__name__)
    app.config.update(_default_config())
    if test_config:
        app.config.update(test_config)
    security.init_app(app)
    auth.init_app(app)
    roles.init_app(app)  # after auth: it needs the signed-in user
    formatting.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    security.limit_logins(app)
    return app


def _default_config() -> dict[str, Any]:
    settings = get_settings()  # its dashboard_timezone is a known zone (shared/config.py)
    session_keys = crypto.derived_keys("syndikat-dashboard-session")
    return {
        "SECRET_KEY": session_keys[0],
        "SECRET_KEY_FALLBACKS": session_keys[1:],
        "SESSION_COOKIE_NAME": "syndikat_session",
        "SESSION_COOKIE_SECURE": settings.dashboard_secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # One shift; signing in again after that is fine.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # A form's CSRF token lives as long as the session, so a page left open still works.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "RATELIMIT_STORAGE_URI": settings.cache_redis_url,
        "RATELIMIT_KEY_PREFIX": f"{settings.redis_key_prefix}dashboard-limits",
        # A Redis outage must not lock everyone out of the dashboard.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "DASHBOARD_TIMEZONE": settings.dashboard_timezone,
        "DASHBOARD_TRUSTED_PROXIES": settings.dashboard_trusted_proxies,
        "DASHBOARD_SESSION_IDLE_MINUTES": settings.dashboard_session_idle_minutes,
    }
