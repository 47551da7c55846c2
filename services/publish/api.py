"""The partner registry and delivery replay as a JSON API (for operators, behind a token).

Every request needs a bearer token from SYNDIKAT_API_TOKENS (`shared.web.auth`); without one
configured the API is closed. Secrets and credentials are accepted but never returned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.publish import feeds, methods, registry, replay
from services.publish.listing import DELIVERY_STATES, deliveries_query, describe_delivery
from services.publish.times import InvalidTime, parse_since
from shared import audit
from shared import db as database
from shared.models import Delivery, Partner, utcnow
from shared.web.auth import require_api_token
from shared.web.errors import ApiError
from shared.web.json_input import json_object

T = TypeVar("T")

bp = Blueprint("partners", __name__)


bp.before_request(require_api_token)


@bp.get("/v1/partners")
def list_partners() -> Any:
    with database.session() as db:
        found = db.scalars(select(Partner).order_by(Partner.name))
        return jsonify(partners=[_shown(p) for p in found])


@bp.post("/v1/partners")
def add_partner() -> Any:
    body = json_object()
    name = body.pop("name", None)
    with database.read_session() as db:
        _refuse_if_taken(db, name)
    _registered(lambda: registry.check_sign_in(None, body))  # outside the write transaction
    with database.session() as db:
        _refuse_if_taken(db, name)
        partner, token = _registered(lambda: registry.create(db, str(name or ""), body, utcnow()))
        db.flush()
        _audited(db, "partner.create", partner, None)
        shown = _shown(partner, feed_token=token)
    return jsonify(shown), 201, {"Location": url_for("partners.get_partner", name=name)}


@bp.get("/v1/partners/<name>")
def get_partner(name: str) -> Any:
    with database.session() as db:
        return jsonify(_shown(_partner(db, name)))


@bp.patch("/v1/partners/<name>")
def change_partner(name: str) -> Any:
    body = json_object()
    with database.read_session() as db:
        stored = registry.login_of(_partner(db, name))
    _registered(lambda: registry.check_sign_in(stored, body))  # outside the write transaction
    with database.session() as db:
        partner = _partner(db, name)
        before = registry.describe(partner, utcnow())
        token = _registered(lambda: registry.update(db, partner, body, utcnow()))
        _audited(db, "partner.update", partner, before)
        return jsonify(_shown(partner, feed_token=token))


@bp.post("/v1/partners/<name>/secret")
def rotate_secret(name: str) -> Any:
    body = json_object()
    hours = body.get("overlap_hours", 24)
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise ApiError(422, "invalid_partner", "overlap_hours must be a number")
    with database.session() as db:
        partner = _partner(db, name)
        before = registry.describe(partner, utcnow())
        _registered(
            lambda: registry.rotate_secret(
                partner, body.get("secret", ""), utcnow(), timedelta(hours=hours)
            )
        )
        _audited(db, "partner.rotate-secret", partner, before, detail="a new secret")
        return jsonify(_shown(partner))


@bp.post("/v1/partners/<name>/feed-token")
def new_feed_token(name: str) -> Any:
    with database.session() as db:
        partner = _partner(db, name)
        if not methods.is_pull(partner.method):
            raise ApiError(409, "not_a_feed_partner", f"{name} does not pull a feed")
        token = feeds.new_token(partner)
        _audited(db, "partner.feed-token", partner, None, detail="a new feed token")
        return jsonify(_shown(partner, feed_token=token))


@bp.get("/v1/partners/<name>/deliveries")
def partner_deliveries(name: str) -> Any:
    state = request.args.get("state")
    if state is not None and state not in DELIVERY_STATES:
        raise ApiError(422, "invalid_state", f"state must be one of {', '.join(DELIVERY_STATES)}")
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise ApiError(422, "invalid_limit", "limit must be a whole number")
    since = _since(request.args["since"]) if "since" in request.args else None
    with database.session() as db:
        partner = _partner(db, name)
        query = deliveries_query(partner.id, state, since, limit=min(int(limit), 1000))
        return jsonify(deliveries=[describe_delivery(d) for d in db.scalars(query)])


@bp.post("/v1/partners/<name>/replay")
def replay_partner(name: str) -> Any:
    body = json_object()
    if "since" not in body:
        raise ApiError(422, "invalid_replay", "give `since`: an ISO time or e.g. 24h, 7d")
    since = _since(str(body["since"]))
    with database.session() as db:
        partner = _partner(db, name)
        report = replay.replay_failed(db, partner, since, utcnow())
        detail = f"{len(report.replayed)} replayed, {len(report.skipped)} skipped, since {since}"
        target = audit.Target("partner", partner.id, partner.name)
        audit.record_from_api(db, "delivery.replay", target, detail=detail)
    skipped = [{"id": delivery_id, "reason": why} for delivery_id, why in report.skipped]
    return jsonify(replayed=report.replayed, skipped=skipped)


@bp.post("/v1/deliveries/<int:delivery_id>/replay")
def replay_delivery(delivery_id: int) -> Any:
    with database.session() as db:
        delivery = db.get(Delivery, delivery_id)
        if delivery is None:
            raise ApiError(404, "not_found", "no such delivery")
        try:
            replay.replay(db, delivery, utcnow())
        except replay.ReplayRefused as exc:
            raise ApiError(409, "replay_refused", str(exc)) from exc
        target = audit.Target("delivery", delivery.id, delivery.partner.name)
        audit.record_from_api(db, "delivery.resend", target, detail=delivery.webhook_id)
        return jsonify(describe_delivery(delivery)), 202


def _audited(
    db: Session, action: str, partner: Partner, before: dict[str, Any] | None, **extra: Any
) -> None:
    db.flush()
    after = registry.describe(partner, utcnow())  # no secret, credential or token in it
    target = audit.Target("partner", partner.id, partner.name)
    audit.record_from_api(db, action, target, before, after, **extra)


def _registered(change: Callable[[], T]) -> T:
    try:
        return change()
    except registry.InvalidPartner as exc:
        raise ApiError(422, "invalid_partner", str(exc), exc.details) from exc


def _shown(partner: Partner, feed_token: str | None = None) -> dict[str, Any]:
    shown = registry.describe(partner, utcnow())
    if methods.is_pull(partner.method):
        shown["feeds"] = {
            kind: url_for("feeds.partner_feed", name=partner.name, kind=kind, _external=True)
            for kind in ("atom", "json")
        }
    if feed_token:
        shown["feed_token"] = feed_token  # shown this once; only its hash is kept
    return shown


def _refuse_if_taken(db: Session, name: Any) -> None:
    if db.scalar(select(Partner.id).where(Partner.name == name)) is not None:
        raise ApiError(409, "partner_exists", f"a partner named {name!r} exists")


def _partner(db: Session, name: str) -> Partner:
    partner = db.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise ApiError(404, "not_found", f"no partner named {name!r}")
    return partner


def _since(text: str) -> Any:
    try:
        return parse_since(text, utcnow())
    except InvalidTime as exc:
        raise ApiError(422, "invalid_since", str(exc)) from exc
