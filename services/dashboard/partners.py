"""Partners: how each is doing; add and edit (through the partner registry), disable with a
reason, enable, send a test delivery (queued for the publish worker; the page shows the latest
answer), give a feed partner a new token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.dashboard import audit_trail, health
from services.dashboard.messages import say
from services.dashboard.partner_form import PartnerForm
from services.publish import interface as publish
from shared import audit
from shared import db as database
from shared.models import Partner, utcnow

bp = Blueprint("partners", __name__)
MAX_REASON = 500


@bp.get("/partners")
def index() -> Any:
    with database.session() as db:
        partners = health.partner_health(db)
        tests = publish.latest_tests([item.partner.id for item in partners])
        return render_template("dashboard/partners.html", partners=partners, tests=tests)


@bp.route("/partners/new", methods=["GET", "POST"])
def new() -> Any:
    form = PartnerForm.from_request(request.form) if request.method == "POST" else PartnerForm()
    if request.method == "GET":
        return _form_page(form, None)
    try:
        publish.check_sign_in(None, form.changes({}))  # before the write transaction: it waits
    except publish.InvalidPartner as exc:
        return _form_page(form, None, _reason(exc)), 422
    with database.session() as db:
        if db.scalar(select(Partner.id).where(Partner.name == form.name)) is not None:
            return _form_page(form, None, f"A partner named {form.name!r} exists: edit it."), 422
        try:
            partner, token = publish.create_partner(db, form.name, form.changes({}), utcnow())
            db.flush()
        except publish.InvalidPartner as exc:
            db.rollback()
            return _form_page(form, None, _reason(exc)), 422
        _record(db, "partner.create", partner, None)
        return _saved(partner, token, "added")


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
def edit(partner_id: int) -> Any:
    if request.method == "GET":
        with database.session() as db:
            partner = _partner(db, partner_id)
            return _form_page(PartnerForm.from_partner(partner), partner)
    form = PartnerForm.from_request(request.form)
    with database.read_session() as db:
        stored = _partner(db, partner_id)
        login, changes = publish.login_of(stored), form.changes(stored.credentials_dict())
    try:
        publish.check_sign_in(login, changes)  # before the write transaction: it waits
    except publish.InvalidPartner as exc:
        return _refused(form, partner_id, exc)
    with database.session() as db:
        partner = _partner(db, partner_id)
        before = publish.describe_partner(partner, utcnow())
        try:
            token = publish.update_partner(db, partner, changes, utcnow())
        except publish.InvalidPartner as exc:
            db.rollback()
            return _refused(form, partner_id, exc)
        _record(db, "partner.update", partner, before)
        return _saved(partner, token, "saved")


def _record(
    db: Session, action: str, partner: Partner, before: dict[str, Any] | None, **extra: Any
) -> None:
    """In the audit log, as `describe_partner` shows it (no secret, credential or token)."""
    db.flush()
    after = publish.describe_partner(partner, utcnow())
    target = audit.Target("partner", partner.id, partner.name)
    audit_trail.record(db, action, target, before, after, **extra)


def _refused(form: PartnerForm, partner_id: int, error: publish.InvalidPartner) -> Any:
    """The form again, as typed, with why it was refused."""
    with database.read_session() as db:
        return _form_page(form, _partner(db, partner_id), _reason(error)), 422


def _saved(partner: Partner, token: str | None, done: str) -> Any:
    if token:
        # Shown on this answer only (never through the session cookie): only its hash is kept.
        return render_template("dashboard/feed_token.html", partner=partner, token=token)
    say(f"{partner.name} {done}.", "success")
    return redirect(url_for("partners.index") + f"#partner-{partner.id}")


def _form_page(form: PartnerForm, partner: Partner | None, error: str | None = None) -> str:
    return render_template(
        "dashboard/partner_form.html",
        form=form,
        partner=partner,
        shown=publish.describe_partner(partner, utcnow()) if partner else None,
        error=error,
        methods=sorted(publish.METHODS),
        byline_policies=publish.BYLINE_POLICIES,
    )


def _reason(error: publish.InvalidPartner) -> str:
    return " ".join([str(error), *error.details])


@bp.post("/partners/<int:partner_id>/enable")
def enable(partner_id: int) -> Any:
    return _set_enabled(partner_id, {"enabled": True})


@bp.post("/partners/<int:partner_id>/disable")
def disable(partner_id: int) -> Any:
    reason = request.form.get("reason", "").strip()[:MAX_REASON] or "disabled by hand"
    return _set_enabled(partner_id, {"enabled": False, "disabled_reason": reason})


def _set_enabled(partner_id: int, changes: dict[str, Any]) -> Any:
    with database.session() as db:
        partner = _partner(db, partner_id)
        before = publish.describe_partner(partner, utcnow())
        try:
            publish.update_partner(db, partner, changes, utcnow())
        except publish.InvalidPartner as exc:
            db.rollback()
            say(f"Not changed: {_reason(exc)}", "error")
        else:
            action = "partner.enable" if partner.enabled else "partner.disable"
            _record(db, action, partner, before, detail=partner.disabled_reason)
            say(f"{partner.name} {'enabled' if partner.enabled else 'disabled'}.", "success")
    return redirect(url_for("partners.index") + f"#partner-{partner_id}")


@bp.post("/partners/<int:partner_id>/test")
def send_test(partner_id: int) -> Any:
    with database.session() as db:
        try:
            publish.queue_test(db, partner_id)
        except publish.NotSent as exc:
            say(f"Test not sent: {exc}.", "error")
        else:
            target = audit.Target("partner", partner_id, _partner(db, partner_id).name)
            audit_trail.record(db, "partner.test", target)
            say("Test delivery queued: the partner's answer shows here once it arrives.", "success")
    return redirect(url_for("partners.index") + f"#partner-{partner_id}")


@bp.post("/partners/<int:partner_id>/feed-token")
def new_feed_token(partner_id: int) -> Any:
    with database.session() as db:
        partner = _partner(db, partner_id)
        if not publish.is_pull(partner.method):
            say(f"{partner.name} does not pull a feed.", "error")
            return redirect(url_for("partners.edit", partner_id=partner_id))
        before = publish.describe_partner(partner, utcnow())
        token = publish.new_feed_token(partner)
        _record(db, "partner.feed-token", partner, before, detail="a new feed token")
        return render_template("dashboard/feed_token.html", partner=partner, token=token)


def _partner(db: Session, partner_id: int) -> Partner:
    partner = db.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return partner
