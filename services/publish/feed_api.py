"""Pull feeds over HTTP: `GET /v1/feeds/<partner>.atom` and `GET /v1/feeds/<partner>.json`.

The partner's token goes in `Authorization: Bearer <token>` or, for feed readers that cannot
set headers, in `?token=`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from services.publish import feeds, methods
from shared import db as database
from shared.models import Partner, utcnow
from shared.web.errors import ApiError

bp = Blueprint("feeds", __name__)


@bp.get("/v1/feeds/<name>.<any(atom, json):kind>")
def partner_feed(name: str, kind: str) -> Any:
    limit = request.args.get("limit", str(feeds.DEFAULT_LIMIT))
    if not limit.isdigit():
        raise ApiError(422, "invalid_limit", "limit must be a whole number")
    with database.session() as db:
        partner = db.scalar(select(Partner).where(Partner.name == name))
        # The same answer for an unknown partner and a wrong token: names are not guessable.
        if partner is None or not methods.is_pull(partner.method):
            raise ApiError(401, "invalid_token", "unknown feed or wrong token")
        if not feeds.token_matches(partner, _token()):
            raise ApiError(401, "invalid_token", "unknown feed or wrong token")
        if not partner.enabled:
            raise ApiError(403, "partner_disabled", "this partner is disabled")
        items = feeds.current_stories(db, partner, int(limit), media_base=request.url_root)
        if kind == "json":
            return jsonify(
                partner=partner.name,
                updated=max((i.updated for i in items), default=utcnow()).isoformat(),
                stories=[item.story for item in items],
            )
        body = feeds.atom(partner, items, self_url=request.base_url)
    return Response(body, mimetype="application/atom+xml")


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return request.args.get("token")
