"""`GET /v1/media/<sha256>?exp=…&sig=…`: the bytes of a picture Syndikat fetched, for partners.

No token: the address itself is the credential (signed, expiring; see `media_urls`). An
expired or forged address is a 403; the bytes never change for a hash, so the answer carries
the hash as its ETag and may be cached until the address expires.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select

from services.publish import media_urls
from shared import db as database
from shared.media_store import media_store
from shared.models import Media, utcnow
from shared.web.errors import ApiError

bp = Blueprint("media", __name__)


@bp.get("/v1/media/<sha256>")
def picture(sha256: str) -> Any:
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
