"""Partners: how each is doing, enable or disable, send a test delivery.

PHASE 2: add and edit forms call the partner registry (issue 5) once it is merged.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.dashboard import health
from services.publish import operations
from shared import db as database

bp = Blueprint("partners", __name__)


@bp.get("/partners")
def index() -> Any:
    with database.session() as db:
        return render_template("dashboard/partners.html", partners=health.partner_health(db))


@bp.post("/partners/<int:partner_id>/enable")
def enable(partner_id: int) -> Any:
    return _set_enabled(partner_id, True, None)


@bp.post("/partners/<int:partner_id>/disable")
def disable(partner_id: int) -> Any:
    reason = request.form.get("reason", "").strip()[:500] or None
    return _set_enabled(partner_id, False, reason)


def _set_enabled(partner_id: int, enabled: bool, reason: str | None) -> Any:
    try:
        with database.session() as db:
            partner = operations.set_partner_enabled(db, partner_id, enabled, reason)
            flash(f"{partner.name} {'enabled' if enabled else 'disabled'}.", "success")
    except operations.OperationRefused as exc:
        flash(str(exc), "error")
    return redirect(url_for("partners.index") + f"#partner-{partner_id}")


@bp.post("/partners/<int:partner_id>/test")
def send_test(partner_id: int) -> Any:
    try:
        outcome = operations.send_test(partner_id)
    except (operations.OperationRefused, ValueError) as exc:
        flash(f"Test not sent: {exc}", "error")
    else:
        if outcome.ok:
            flash(f"Test delivery accepted (HTTP {outcome.status_code}).", "success")
        else:
            flash(f"Test delivery failed: {outcome.error}", "error")
    return redirect(url_for("partners.index") + f"#partner-{partner_id}")
