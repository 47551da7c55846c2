"""JSON errors for the HTTP API: one shape, `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, details: list[str] | None = None) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(error=body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        body, status = error_response(error.status, error.code, error.message, error.details)
        return body, status, error.headers

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "_")
        body, status = error_response(error.code or 500, code, error.description or error.name)
        # Keep what the exception says about itself (Retry-After of a 429, Allow of a 405).
        headers = error.get_headers() if error.response is None else error.response.headers
        kept = {k: v for k, v in headers if k.lower() not in ("content-type", "content-length")}
        return body, status, kept
