"""HTTP endpoints of the translate service: the glossary and reviewing held translations.

Served by the API app (registered in `services.api`) behind the management API's bearer token
(`shared.web.auth`); the logic lives in `services.translate.glossary` and
`services.translate.review`, which the dashboard reaches through `services.translate.interface`.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, jsonify

from services.translate import glossary, review
from shared import audit
from shared import db as database
from shared.models import TermKind
from shared.web.auth import require_api_token
from shared.web.errors import ApiError
from shared.web.json_input import json_object

bp = Blueprint("translate", __name__)
bp.before_request(require_api_token)

_REVIEW_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422}


@bp.get("/v1/glossary")
def get_glossary() -> Any:
    with database.session() as db:
        current = glossary.snapshot(db)
    return jsonify(version=current.version, terms=[term.as_dict() for term in current.terms])


@bp.post("/v1/glossary/terms")
def add_term() -> Any:
    body = json_object()
    with database.session() as db:
        try:
            term, version = glossary.add_term(
                db,
                _string(body, "source"),
                body.get("target") if isinstance(body.get("target"), str) else None,
                _string(body, "kind", default=TermKind.TERM),
            )
        except glossary.GlossaryError as exc:
            raise ApiError(422, "invalid_term", str(exc)) from exc
        after = term.as_dict() | {"glossary_version": version}
        term_target = audit.Target("glossary-term", None, term.source)
        audit.record_from_api(db, "glossary.add", term_target, None, after)
    return jsonify(term=term.as_dict(), version=version), 201


@bp.delete("/v1/glossary/terms/<path:source>")
def remove_term(source: str) -> Any:
    with database.session() as db:
        try:
            version = glossary.remove_term(db, source)
        except glossary.GlossaryError as exc:
            raise ApiError(404, "not_found", str(exc)) from exc
        term_target = audit.Target("glossary-term", None, source.strip())
        after = {"glossary_version": version}
        audit.record_from_api(db, "glossary.remove", term_target, None, after)
    return jsonify(version=version)


@bp.get("/v1/review")
def review_queue() -> Any:
    with database.session() as db:
        return jsonify(stories=review.waiting(db))


@bp.get("/v1/stories/<story_id>/translation")
def get_translation(story_id: str) -> Any:
    with database.session() as db:
        return jsonify(_reviewed(lambda: review.describe(db, _story_key(story_id))))


@bp.put("/v1/stories/<story_id>/translation/segments/<int:index>")
def edit_segment(story_id: str, index: int) -> Any:
    body = json_object()
    english, reviewer = _string(body, "english"), _string(body, "reviewer")
    with database.session() as db:
        result = _reviewed(
            lambda: review.edit_segment(db, _story_key(story_id), index, english, reviewer)
        )
        story_target = audit.Target("story", story_id)
        after = {"segment": index, "english": english}
        audit.record_from_api(db, "review.edit", story_target, None, after, detail=reviewer)
    return jsonify(result)


@bp.post("/v1/stories/<story_id>/translation/approve")
def approve(story_id: str) -> Any:
    reviewer = _string(json_object(), "reviewer")
    with database.session() as db:
        result = _reviewed(lambda: review.approve(db, _story_key(story_id), reviewer))
        story_target = audit.Target("story", story_id)
        audit.record_from_api(db, "review.approve", story_target, detail=reviewer)
    return jsonify(result)


def _reviewed(action: Any) -> Any:
    try:
        return action()
    except review.ReviewError as exc:
        raise ApiError(_REVIEW_STATUS[exc.kind], exc.kind, exc.message) from exc


def _story_key(story_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(story_id)
    except ValueError as exc:
        raise ApiError(404, "not_found", "no such story") from exc


def _string(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid_request", f"`{key}` must be a non-empty string")
    return value
