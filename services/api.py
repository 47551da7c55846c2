"""The HTTP API's entry point: `create_app()` for Flask and any WSGI server.

One app factory registers every service's blueprints: ingest's push and sources endpoints,
translate's glossary and review, publish's partners, replays and pull feeds. Each blueprint
belongs to its service and uses only that service's code and `shared/`; the web plumbing they
share (error shape, bearer tokens, JSON input, security headers) is `shared.web`. The
deployment runs them as one API process; nothing but this module ties them together.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from services.ingest.api import bp as push_bp
from services.ingest.sources_api import bp as sources_bp
from services.publish.api import bp as partners_bp
from services.publish.feed_api import bp as feeds_bp
from services.translate.api import bp as translate_bp
from shared.config import get_settings
from shared.logging import configure_logging
from shared.web import hardening
from shared.web import metrics as request_metrics
from shared.web.errors import register_error_handlers

BLUEPRINTS = (push_bp, sources_bp, translate_bp, partners_bp, feeds_bp)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    configure_logging("api")
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=get_settings().max_body_bytes, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    register_error_handlers(app)
    hardening.init_app(app)
    request_metrics.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _trust_proxies(app, get_settings().api_trusted_proxies)

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
