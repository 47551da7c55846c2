"""The HTTP API's entry point: `create_app()` for Flask and any WSGI server.

It is the ingest service's web process; the other services contribute their endpoints
(partners, glossary, review, …) as blueprints listed in `BLUEPRINTS`, so one API serves them all.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from services.ingest import hardening, language, push_limits
from services.ingest.errors import register_error_handlers
from shared.config import get_settings
from shared.logging import configure_logging

BLUEPRINTS = (
    "services.ingest.api:bp",
    "services.ingest.sources_api:bp",
    "services.translate.api:bp",
    "services.publish.api:bp",
    "services.publish.feed_api:bp",
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    configure_logging("api")
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=get_settings().max_body_bytes, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    register_error_handlers(app)
    hardening.init_app(app)
    for target in BLUEPRINTS:
        app.register_blueprint(_load_blueprint(target))
    push_limits.init_app(app)
    _trust_proxies(app, get_settings().api_trusted_proxies)
    # Every push is checked for its language: load the detector before the first one arrives.
    language.load_detector()

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app


def _trust_proxies(app: Flask, proxies: int) -> None:
    """Behind `proxies` reverse proxies (Caddy in docker-compose), take the scheme, host and
    client address from the X-Forwarded-* values they wrote: the feed and status URLs the API
    hands out are then the https:// ones its clients use. Off (0) unless configured: anyone can
    send those headers to an API reached directly."""
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _load_blueprint(target: str) -> Blueprint:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
