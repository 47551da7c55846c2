"""Sources: each one's health as the ingest service sees it (failing, overdue, quiet by its own
`quiet_after_seconds`, …), its last success and error, what it sent that could not be taken in;
add and edit through the sources registry; enable or disable."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from services.dashboard import audit_trail, health
from services.dashboard.messages import say
from services.dashboard.source_form import SourceForm
from services.ingest import interface as ingest
from shared import audit
from shared import db as database
from shared.models import Source, SourceKind

bp = Blueprint("sources", __name__)
ERRORS_SHOWN = 50


@bp.get("/sources")
def index() -> Any:
    with database.session() as db:
        return render_template("dashboard/sources.html", sources=health.source_health(db))


@bp.route("/sources/new", methods=["GET", "POST"])
def new() -> Any:
    if request.method == "GET":
        return _form_page(SourceForm(), None)
    form = SourceForm.from_request(request.form)
    with database.session() as db:
        if ingest.find_source(db, form.name) is not None:
            return _form_page(form, None, f"A source named {form.name!r} exists: edit it."), 422
        try:
            source = ingest.save_source(db, form.name, form.changes(), create=True)
        except ingest.SourceConfigError as exc:
            db.rollback()
            return _form_page(form, None, str(exc)), 422
        _record(db, "source.create", source, None)
        return _saved(source, "added")


@bp.route("/sources/<int:source_id>", methods=["GET", "POST"])
def edit(source_id: int) -> Any:
    with database.session() as db:
        source = _source(db, source_id)
        [item] = health.source_health(db, [source])
        if request.method == "GET":
            return _form_page(SourceForm.from_source(source, item.shown), item, db=db)
        form = SourceForm.from_request(request.form)
        before = ingest.describe_source_settings(db, source)
        try:
            ingest.save_source(db, source.name, form.changes(item.shown["url"]), create=False)
        except ingest.SourceConfigError as exc:
            db.rollback()
            [item] = health.source_health(db, [_source(db, source_id)])
            return _form_page(form, item, str(exc), db=db), 422
        _record(db, "source.update", source, before)
        return _saved(source, "saved")


def _record(db: Session, action: str, source: Source, before: dict[str, Any] | None) -> None:
    db.flush()
    target = audit.Target("source", source.id, source.name)
    audit_trail.record(db, action, target, before, ingest.describe_source_settings(db, source))


def _saved(source: Source, done: str) -> Any:
    say(f"{source.name} {done}.", "success")
    return redirect(url_for("sources.index") + f"#source-{source.id}")


def _form_page(
    form: SourceForm,
    item: health.SourceHealth | None,
    error: str | None = None,
    db: Session | None = None,
) -> str:
    errors = ingest.recent_errors(db, item.source.id, ERRORS_SHOWN) if item and db else []
    return render_template(
        "dashboard/source_form.html",
        form=form,
        item=item,
        errors=errors,
        error=error,
        kinds=[kind.value for kind in SourceKind],
    )


@bp.post("/sources/<int:source_id>/enable")
def enable(source_id: int) -> Any:
    return _set_enabled(source_id, True)


@bp.post("/sources/<int:source_id>/disable")
def disable(source_id: int) -> Any:
    return _set_enabled(source_id, False)


def _set_enabled(source_id: int, enabled: bool) -> Any:
    with database.session() as db:
        source = _source(db, source_id)
        before = ingest.describe_source_settings(db, source)
        try:
            ingest.save_source(db, source.name, {"enabled": enabled}, create=False)
        except ingest.SourceConfigError as exc:
            db.rollback()
            say(f"Not changed: {exc}. Edit the source first.", "error")
        else:
            _record(db, "source.enable" if enabled else "source.disable", source, before)
            say(f"{source.name} {'enabled' if enabled else 'disabled'}.", "success")
    return redirect(url_for("sources.index") + f"#source-{source_id}")


def _source(db: Session, source_id: int) -> Source:
    source = db.get(Source, source_id)
    if source is None:
        abort(404)
    return source
