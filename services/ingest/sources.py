"""Registering and changing sources: one set of rules for the CLI and the JSON API.

`save_source` checks every field and the combination (a feed needs a URL, a folder source a
folder inside the inbox), so a source that is saved can be polled.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from services.ingest.folders import FolderError, folder_path
from shared import engine_routes, http
from shared.models import FOLDER_KINDS, PicturePolicy, Source, SourceKind

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MIN_INTERVAL, MAX_INTERVAL = 30, 86_400
EDITABLE = (
    "kind",
    "url",
    "folder",
    "secret",
    "language",
    "attribution",
    "poll_interval_seconds",
    "fetch_full_text",
    "quiet_after_seconds",
    "enabled",
    "engine_route",
    "picture_policy",
)
#: Changing one of these makes the next poll start afresh.
RESETS_POLLING = ("kind", "url", "folder", "enabled")


class SourceConfigError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def find(db: Session, name: str) -> Source | None:
    return db.scalar(select(Source).where(Source.name == name))


def save_source(db: Session, name: str, changes: dict[str, Any], create: bool = True) -> Source:
    """Create the source `name` (when `create`) or change it; raises `SourceConfigError`."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise SourceConfigError(f"unknown field(s): {', '.join(unknown)}", unknown[0])
    source = find(db, name)
    if source is None:
        if not create:
            raise SourceConfigError(f"no source named {name!r}", "name")
        if not NAME.fullmatch(name):
            raise SourceConfigError(
                "a name is 1–100 lower-case letters, digits, '-' or '_'", "name"
            )
        source = Source(name=name, kind=SourceKind.PUSH, fetch_full_text=False, enabled=True)
        db.add(source)
    for key, value in changes.items():
        setattr(source, key, _checked(key, value))
    _check_combination(source)
    if source.folder:
        _create_folder(source.folder)
    if any(key in changes for key in RESETS_POLLING):
        source.next_poll_at = source.etag = source.last_modified = source.feed_digest = None
    db.flush()
    return source


def _create_folder(folder: str) -> None:
    try:
        folder_path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceConfigError(f"cannot create folder {folder!r}: {exc}", "folder") from exc


def _checked(key: str, value: Any) -> Any:
    checker = CHECKS.get(key)
    return checker(value) if checker and value is not None else value


def _kind(value: Any) -> str:
    try:
        return str(SourceKind(value))
    except ValueError as exc:
        kinds = ", ".join(kind.value for kind in SourceKind)
        raise SourceConfigError(f"kind must be one of {kinds}", "kind") from exc


def _url(value: Any) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceConfigError("url must be an absolute http(s) URL", "url")
    try:
        # Refused now, not only when a poll connects: an internal address is never a feed.
        return http.check_url(str(value))
    except http.UnsafeURL as exc:
        raise SourceConfigError(f"url refused: {exc}", "url") from exc


def _folder(value: Any) -> str:
    try:
        folder_path(str(value))
    except FolderError as exc:
        raise SourceConfigError(str(exc), "folder") from exc
    return str(value)


def _secret(value: Any) -> str:
    secret = str(value)
    if not secret.startswith("whsec_"):
        raise SourceConfigError("a Standard Webhooks secret starts with whsec_", "secret")
    try:
        Webhook(secret)
    except Exception as exc:  # the library says "invalid base64" in its own words
        raise SourceConfigError("the secret after whsec_ must be base64", "secret") from exc
    return secret


def _language(value: Any) -> str:
    if not LANGUAGE.fullmatch(str(value)):
        raise SourceConfigError("language must be a BCP 47 tag such as de or en-GB", "language")
    return str(value)


def _attribution(value: Any) -> str:
    if len(str(value)) > 300:
        raise SourceConfigError("attribution is at most 300 characters", "attribution")
    return str(value)


def _engine_route(value: Any) -> str | None:
    """`urgency<=2:deepl,*:local` (see shared.engine_routes); "" clears the route."""
    route = str(value).strip()
    if not route:
        return None
    if len(route) > 500:
        raise SourceConfigError("engine_route is at most 500 characters", "engine_route")
    try:
        engine_routes.parse(route)
    except engine_routes.RouteError as exc:
        raise SourceConfigError(f"engine_route: {exc}", "engine_route") from exc
    return route


def _picture_policy(value: Any) -> str:
    try:
        return str(PicturePolicy(value))
    except ValueError as exc:
        raise SourceConfigError(
            "picture_policy must be hold or without (what becomes of a story whose picture "
            "cannot be fetched)",
            "picture_policy",
        ) from exc


def _interval(value: Any) -> int:
    seconds = _integer(value, "poll_interval_seconds")
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise SourceConfigError(
            f"poll_interval_seconds must be {MIN_INTERVAL}–{MAX_INTERVAL}", "poll_interval_seconds"
        )
    return seconds


def _quiet_after(value: Any) -> int:
    seconds = _integer(value, "quiet_after_seconds")
    if seconds < 60:
        raise SourceConfigError("quiet_after_seconds must be at least 60", "quiet_after_seconds")
    return seconds


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SourceConfigError(f"{field} must be a whole number of seconds", field)
    try:
        return int(value)
    except ValueError as exc:
        raise SourceConfigError(f"{field} must be a whole number of seconds", field) from exc


def _flag(field: str) -> Any:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise SourceConfigError(f"{field} must be true or false", field)
        return value

    return check


CHECKS = {
    "kind": _kind,
    "url": _url,
    "folder": _folder,
    "secret": _secret,
    "language": _language,
    "attribution": _attribution,
    "poll_interval_seconds": _interval,
    "quiet_after_seconds": _quiet_after,
    "fetch_full_text": _flag("fetch_full_text"),
    "enabled": _flag("enabled"),
    "engine_route": _engine_route,
    "picture_policy": _picture_policy,
}


def _check_combination(source: Source) -> None:
    if source.kind == SourceKind.RSS and not source.url:
        raise SourceConfigError("an rss source needs a url", "url")
    if source.kind == SourceKind.FOLDER and not source.folder:
        raise SourceConfigError("a folder source needs a folder", "folder")
    if source.kind in FOLDER_KINDS and not (source.folder or source.secret):
        raise SourceConfigError(f"a {source.kind} source needs a folder or a secret", "folder")
    if source.kind == SourceKind.PUSH and not source.secret:
        raise SourceConfigError("a push source needs a secret", "secret")
