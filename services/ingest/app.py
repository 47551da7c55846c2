"""The ingest service's web entry point: `create_app()` for Flask and any WSGI server."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from services.ingest.api import bp as api_bp
from services.ingest.errors import register_error_handlers
from shared.config import get_settings
from shared.logging import configure_logging


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    configure_logging("ingest")
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=get_settings().max_body_bytes, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    register_error_handlers(app)
    app.register_blueprint(api_bp)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
