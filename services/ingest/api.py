"""The push API: wire agencies POST signed ninjs stories; anyone with the id reads their state."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.ingest import signatures
from services.ingest.errors import ApiError
from services.ingest.intake import Intake, take_story
from services.ingest.status import story_status
from shared import db as database
from shared import ninjs
from shared.models import Source, Story

bp = Blueprint("ingest", __name__)


@bp.post("/v1/sources/<source_name>/stories")
def push_story(source_name: str) -> Any:
    body = request.get_data(cache=False)
    with database.session() as db:
        source = db.scalar(select(Source).where(Source.name == source_name))
        if source is None or not source.enabled:
            raise ApiError(404, "unknown_source", f"no enabled source named {source_name!r}")
        if not source.secret:
            raise ApiError(403, "push_not_configured", "this source has no push secret")
        text = _decode(body)
        _verify_signature(source.secret, body)
        doc = _parse_json(text)
        intake = _take(db, source, doc)
    return _accepted(intake)


def _verify_signature(secret: str, body: bytes) -> None:
    try:
        signatures.verify(secret, body, request.headers)
    except signatures.SignatureError as exc:
        raise ApiError(401, "invalid_signature", str(exc)) from exc


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_encoding", "the body is not valid UTF-8") from exc


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from exc


def _take(db: Any, source: Source, doc: Any) -> Intake:
    try:
        with db.begin_nested():
            return take_story(db, source, doc, via="push")
    except ninjs.InvalidStory as exc:
        raise ApiError(422, "invalid_story", str(exc), exc.problems) from exc
    except IntegrityError:
        # Another request stored the same story a moment ago: this one is now a duplicate.
        return take_story(db, source, doc, via="push")


def _accepted(intake: Intake) -> Any:
    status_url = url_for("ingest.get_story", story_id=str(intake.story_id), _external=True)
    body = {
        "id": str(intake.story_id),
        "version": intake.version,
        "outcome": intake.outcome,
        "duplicate": not intake.accepted,
        "status_url": status_url,
    }
    return jsonify(body), 202, {"Location": status_url}


@bp.get("/v1/stories/<story_id>")
def get_story(story_id: str) -> Any:
    try:
        key = uuid.UUID(story_id)
    except ValueError as exc:
        raise ApiError(404, "not_found", "no such story") from exc
    with database.session() as db:
        story = db.get(Story, key)
        if story is None:
            raise ApiError(404, "not_found", "no such story")
        return jsonify(story_status(db, story))
