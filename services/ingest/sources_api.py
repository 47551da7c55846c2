"""The sources JSON API: list, add, change, look at status and errors, poll now.

Every endpoint needs a bearer token (`shared.web.auth`). Secrets can be set but are never
returned: a source shows only `has_secret`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from services.ingest import source_health, sources
from services.ingest.source_status import activity, describe, describe_all, describe_settings
from shared import audit, outbox, tasks
from shared import db as database
from shared.models import IngestError, Source
from shared.web.auth import require_api_token
from shared.web.errors import ApiError
from shared.web.json_input import json_object

bp = Blueprint("sources", __name__)
bp.before_request(require_api_token)

MAX_ERRORS = 500


@bp.get("/v1/sources")
def list_sources() -> Any:
    with database.session() as db:
        found = list(db.scalars(select(Source).order_by(Source.name)))
        return jsonify(sources=describe_all(db, found))


@bp.post("/v1/sources")
def add_source() -> Any:
    body = json_object()
    name = body.pop("name", None)
    if not isinstance(name, str):
        raise ApiError(422, "invalid_source", "a source needs a name", ["name: required"])
    with database.session() as db:
        if sources.find(db, name) is not None:
            raise ApiError(409, "source_exists", f"a source named {name!r} exists; PATCH it")
        source = _save(db, name, body, create=True)
        _audited(db, "source.create", source, None)
        shown = _shown(db, source)
    return jsonify(shown), 201, {"Location": f"/v1/sources/{name}"}


@bp.get("/v1/sources/<name>")
def get_source(name: str) -> Any:
    with database.session() as db:
        return jsonify(_shown(db, _existing(db, name)))


@bp.patch("/v1/sources/<name>")
def change_source(name: str) -> Any:
    body = json_object()
    with database.session() as db:
        stored = _existing(db, name)
        before = describe_settings(db, stored)
        source = _save(db, stored.name, body, create=False)
        _audited(db, "source.update", source, before)
        shown = _shown(db, source)
    return jsonify(shown)


def _audited(db: Any, action: str, source: Source, before: dict[str, Any] | None) -> None:
    db.flush()
    target = audit.Target("source", source.id, source.name)
    audit.record_from_api(db, action, target, before, describe_settings(db, source))


@bp.get("/v1/sources/<name>/errors")
def source_errors(name: str) -> Any:
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_ERRORS:
        raise ApiError(400, "invalid_limit", f"limit must be 1–{MAX_ERRORS}")
    with database.session() as db:
        found = source_health.recent_errors(db, _existing(db, name).id, int(limit))
        return jsonify(errors=[_error(e) for e in found])


@bp.post("/v1/sources/<name>/poll")
def poll_now(name: str) -> Any:
    with database.session() as db:
        source = _existing(db, name)
        if not source.polled:
            raise ApiError(409, "not_polled", f"{name} has no feed or folder: nothing to poll")
        outbox.enqueue(db, tasks.POLL_SOURCE, source_id=source.id)
    return jsonify(queued=True), 202


def _existing(db: Any, name: str) -> Source:
    source = sources.find(db, name)
    if source is None:
        raise ApiError(404, "unknown_source", f"no source named {name!r}")
    return source


def _save(db: Any, name: str, changes: dict[str, Any], create: bool) -> Source:
    try:
        return sources.save_source(db, name, changes, create=create)
    except sources.SourceConfigError as exc:
        details = [f"{exc.field}: {exc}"] if exc.field else []
        raise ApiError(422, "invalid_source", str(exc), details) from exc


def _shown(db: Any, source: Source) -> dict[str, Any]:
    return describe(source, activity(db, [source.id])[source.id])


def _error(error: IngestError) -> dict[str, Any]:
    return {
        "item": error.item_ref,
        "reason": error.reason,
        "occurrences": error.occurrences,
        "first_seen_at": error.first_seen_at.isoformat(),
        "last_seen_at": error.last_seen_at.isoformat(),
    }
