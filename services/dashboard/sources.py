"""Sources: when each last sent a story, which have gone quiet; enable or disable.

PHASE 2: per-source status and item errors, and add/edit forms, come with the sources
registry (issue 3).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from services.dashboard import health
from services.ingest import operations
from shared import db as database
from shared.config import get_settings

bp = Blueprint("sources", __name__)


@bp.get("/sources")
def index() -> Any:
    with database.session() as db:
        return render_template(
            "dashboard/sources.html",
            sources=health.source_health(db),
            quiet_minutes=get_settings().quiet_source_minutes,
        )


@bp.post("/sources/<int:source_id>/enable")
def enable(source_id: int) -> Any:
    return _set_enabled(source_id, True)


@bp.post("/sources/<int:source_id>/disable")
def disable(source_id: int) -> Any:
    return _set_enabled(source_id, False)


def _set_enabled(source_id: int, enabled: bool) -> Any:
    try:
        with database.session() as db:
            source = operations.set_source_enabled(db, source_id, enabled)
            flash(f"{source.name} {'enabled' if enabled else 'disabled'}.", "success")
    except operations.SourceNotFound:
        abort(404)
    return redirect(url_for("sources.index") + f"#source-{source_id}")
