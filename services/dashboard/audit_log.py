"""The audit log page (admins): who did what, newest first, filtered by actor, action, target
and time. Entries are written by `shared.audit.record` wherever a change is made."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from services.dashboard.formatting import since_time
from services.dashboard.roles import requires
from services.publish import interface as publish
from shared import audit
from shared import db as database
from shared.models import Role

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100
FILTERS = ("actor", "action", "target", "since")


@bp.get("/audit")
@requires(Role.ADMIN, to_read=True)
def index() -> Any:
    shown = {name: request.args.get(name, "").strip()[:100] for name in FILTERS}
    before_id = request.args.get("before", type=int)
    error = None
    try:
        since = since_time(shown["since"])
    except publish.InvalidTime as exc:
        since, error = None, str(exc)
    with database.read_session() as db:
        found = audit.events(
            db,
            actor=shown["actor"] or None,
            action=shown["action"] or None,
            target=shown["target"] or None,
            since=since,
            before_id=before_id,
            limit=PAGE_SIZE + 1,
        )
        page = render_template(
            "dashboard/audit.html",
            events=found[:PAGE_SIZE],
            older=found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None,
            shown=shown,
            error=error,
        )
    return page, 400 if error else 200
