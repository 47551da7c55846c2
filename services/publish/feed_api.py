"""What partners fetch over HTTP: their pull feeds, `GET /v1/feeds/<partner>.atom` and
`GET /v1/feeds/<partner>.json`, and the pictures stories point at, `GET /v1/media/<sha256>`.

The partner's token goes in `Authorization: Bearer <token>` or, for feed readers that cannot
set headers, in `?token=`. A picture needs no token: its address is the credential (signed,
expiring; see `media_urls`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from services.publish import feeds, media_urls, methods
from shared import db as database
from shared.media_store import media_store
from shared.models import Media, Partner, utcnow
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


@bp.get("/v1/media/<sha256>")
def picture(sha256: str) -> Any:
    """The bytes; an expired or forged address is a 403. The bytes never change for a hash,
    so the answer carries the hash as its ETag and may be cached until the address expires."""
    now = utcnow()
    expires, given = request.args.get("exp", ""), request.args.get("sig", "")
    if not media_urls.is_valid(sha256, expires, given, now):
        raise ApiError(403, "invalid_media_url", "this picture address is expired or not valid")
    with database.read_session() as db:
        found = db.execute(
            select(Media.storage_key, Media.content_type).where(Media.sha256 == sha256)
        ).first()
    if found is None:
        raise ApiError(404, "not_found", "no such picture")
    storage_key, content_type = found
    response = Response(media_store().get(storage_key), mimetype=content_type)
    response.set_etag(sha256)
    response.cache_control.public = True
    response.cache_control.max_age = max(0, int(expires) - int(now.timestamp()))
    response.cache_control.immutable = True
    return response.make_conditional(request)
