"""The push API: wire agencies POST signed stories; anyone with the id reads their state.

A pushed body is one ninjs document (JSON) or one NewsML-G2 or NITF document (XML).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Blueprint, Flask, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select

from services.ingest import language, push_limits, replays, signatures, source_health
from services.ingest.documents import take_all
from services.ingest.formats import (
    Documents,
    MalformedDocument,
    UnsupportedFormat,
    read_documents,
)
from services.ingest.intake import Intake, VersionConflict, record_conflict
from services.ingest.status import story_status
from shared import db as database
from shared import ninjs
from shared.models import Source, Story
from shared.web.errors import ApiError

bp = Blueprint("ingest", __name__)


@bp.post("/v1/sources/<source_name>/stories")
def push_story(source_name: str) -> Any:
    """Check the signature, refuse a replayed `webhook-id`, then take the stories in.

    Rate-limited per source (`services.ingest.push_limits`); replays: `services.ingest.replays`.
    """
    body = request.get_data(cache=False)
    with database.read_session() as db:
        source = _signed_source(db, source_name, body)
        source_id, kind = source.id, source.kind
    push_limits.mark_authenticated()
    with replays.claimed(source_id, request.headers["webhook-id"]):
        documents = _documents_or_refusal(source_id, body, kind)
        intakes = _store(source_id, documents)
    return _accepted(intakes, documents.left_out)


def _signed_source(db: Any, source_name: str, body: bytes) -> Source:
    source = db.scalar(select(Source).where(Source.name == source_name))
    if source is None or not source.enabled:
        raise ApiError(404, "unknown_source", f"no enabled source named {source_name!r}")
    if not source.secret:
        raise ApiError(403, "push_not_configured", "this source has no push secret")
    _decode(body)
    _verify_signature(source.secret, body)
    return source


def _documents_or_refusal(source_id: int, body: bytes, kind: str) -> Documents:
    # Parsed before the transaction: on SQLite that holds the write lock, and reading the
    # document needs no database.
    with _refusals_recorded(source_id):
        return _documents(body, kind)


def _store(source_id: int, documents: Documents) -> list[Intake]:
    with _refusals_recorded(source_id):
        return _take_documents(source_id, documents)


@contextmanager
def _refusals_recorded(source_id: int) -> Iterator[None]:
    try:
        yield
    except ApiError as refused:
        # Signed, so it really came from the wire: worth showing to whoever runs the source.
        _record_refusal(source_id, refused)
        raise


def _take_documents(source_id: int, documents: Documents) -> list[Intake]:
    """Store the stories; when an `ApiError` refuses them, nothing is stored."""
    try:
        with database.session() as db:
            source = db.get_one(Source, source_id)
            intakes = _take(db, source, documents)
            source_health.mark_success(source)
            return intakes
    except VersionConflict as conflict:
        # Nothing of the push was stored; the story's timeline still shows what was refused.
        with database.session() as db:
            record_conflict(db, conflict, "push", "answered 409 version_conflict")
        details = [f"uri: {conflict.uri}", f"version: {conflict.version}"]
        raise ApiError(409, "version_conflict", str(conflict), details) from None


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


def _documents(body: bytes, kind: str) -> Documents:
    """The stories in the body: one ninjs document, or the items of a NewsML-G2/NITF file.

    The format is told from the content (JSON or XML), whatever the Content-Type says.
    """
    try:
        return read_documents(body, kind)
    except MalformedDocument as exc:
        code = "malformed_xml" if body.lstrip()[:1] == b"<" else "malformed_json"
        raise ApiError(400, code, str(exc)) from exc
    except UnsupportedFormat as exc:
        raise ApiError(415, "unsupported_format", str(exc)) from exc
    except ninjs.InvalidStory as exc:
        raise _refused_story(exc) from exc


def _refused_story(exc: ninjs.InvalidStory) -> ApiError:
    """422: `not_a_story` for an event listing, a package, an empty item; else `invalid_story`."""
    code = "not_a_story" if isinstance(exc, ninjs.NotAStory) else "invalid_story"
    return ApiError(422, code, str(exc), exc.problems)


def _take(db: Any, source: Source, docs: Documents) -> list[Intake]:
    try:
        return take_all(db, source, docs, via="push", refuse_conflicts=True)
    except ninjs.InvalidStory as exc:
        raise _refused_story(exc) from exc


def _record_refusal(source_id: int, error: ApiError) -> None:
    item = request.headers.get("webhook-id") or "(push)"
    reason = "; ".join([f"{error.status} {error.code}: {error.message}", *error.details[:3]])
    with database.session() as db:
        source_health.record_item_error(db, source_id, f"push {item}", reason)


def _accepted(intakes: list[Intake], left_out: list[tuple[str, str]]) -> Any:
    first = intakes[0]
    body = _intake_body(first)
    if len(intakes) > 1:
        body["stories"] = [_intake_body(intake) for intake in intakes]
    if left_out:
        body["left_out"] = [f"{item}: {why}" for item, why in left_out]
    return jsonify(body), 202, {"Location": body["status_url"]}


def _intake_body(intake: Intake) -> dict[str, Any]:
    return {
        "id": str(intake.story_id),
        "version": intake.version,
        "outcome": intake.outcome,
        "duplicate": not intake.accepted,
        "status_url": url_for("ingest.get_story", story_id=str(intake.story_id), _external=True),
    }


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


def _set_up_pushes(state: BlueprintSetupState) -> None:
    """On the app that registers this blueprint: limit pushes per source (the push view exists
    by now), and load the language detector before the first push needs it."""
    push_limits.init_app(cast(Flask, state.app))  # blueprints are registered on Flask apps
    language.load_detector()


bp.record_once(_set_up_pushes)
