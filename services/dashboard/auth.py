"""Signing in and out, and the rule that every page but a few needs a signed-in user.

A session holds the user's id, their session stamp and when it was last used. It ends when the
stamp on the user row changes (sign-out, a new password, disabling: every browser at once) or
after `SYNDIKAT_DASHBOARD_SESSION_IDLE_MINUTES` without a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from services.dashboard import audit_trail, users
from services.dashboard.navigation import safe_path
from shared import audit
from shared import db as database
from shared.models import User, utcnow

bp = Blueprint("auth", __name__)

#: Reachable without signing in. /healthz and /metrics serve load balancers and Prometheus on
#: the internal port; they show counts, never story content (see docs/operations.md, "Monitoring").
PUBLIC_ENDPOINTS = {"auth.login", "static", "monitoring.healthz", "monitoring.metrics_page"}


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


def init_app(app: Flask) -> None:
    app.before_request(_require_login)


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS - {"auth.login"}:
        g.user = None  # no database round trip for static files and probes
        return None
    g.user = _signed_in_user()
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if _wants_data():
        return jsonify(error={"code": "unauthorized", "message": "sign in first"}), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _wants_data() -> bool:
    """Scripts refreshing a page part, and JSON clients, get a 401 instead of a login page."""
    if request.headers.get("X-Dashboard-Fragment"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _signed_in_user() -> User | None:
    signed = session.get("user")
    if not isinstance(signed, dict):
        return None
    now = utcnow()
    if _idle_too_long(signed.get("seen"), now):
        session.pop("user", None)
        flash("Your session ended after a while without use: sign in again.", "info")
        return None
    with database.session() as db:
        user = db.get(User, signed.get("id"))
    if user is None or not user.enabled or signed.get("stamp") != user.session_stamp:
        session.pop("user", None)
        return None
    if not request.headers.get("X-Dashboard-Fragment"):
        # A page refreshing itself in a tab left open is not someone using the dashboard.
        signed["seen"] = now.timestamp()
        session.modified = True
    return user


def _idle_too_long(seen: Any, now: datetime) -> bool:
    if not isinstance(seen, int | float):
        return True  # a session from before idle expiry existed, or a tampered one
    idle = timedelta(minutes=current_app.config["DASHBOARD_SESSION_IDLE_MINUTES"])
    return now.timestamp() - seen > idle.total_seconds()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.is_submitted():  # the CSRF check has passed: a refused token is a 400 before this
        name, password = form.name.data or "", form.password.data or ""
        with database.session() as db:
            user = users.authenticate(db, name, password) if form.validate() else None
            if user is not None:
                _record_sign_in(db, user.name, "sign-in", user.id)
                return _start_session(user)
            _record_sign_in(db, name.strip(), "sign-in.failed", None)
        flash("Wrong name or password.", "error")
    return render_template(
        "dashboard/login.html", form=form
    ), 200 if request.method == "GET" else 401


def _record_sign_in(db: Any, name: str, action: str, user_id: int | None) -> None:
    """Good and failed sign-ins, with the name typed and the client's address."""
    target = audit.Target("user", user_id, name[:100])
    audit_trail.record(db, action, target, actor=name[:100] or "-")


def _start_session(user: User) -> Any:
    session.clear()  # nothing from before signing in carries over
    session.permanent = True
    session["user"] = {
        "id": user.id,
        "stamp": user.session_stamp,
        "seen": utcnow().timestamp(),
    }
    return redirect(safe_path(request.args.get("next")) or url_for("overview.index"))


@bp.post("/logout")
def logout() -> Any:
    """Ends this user's sessions everywhere: a copy of the cookie is worth nothing after this."""
    with database.session() as db:
        user = db.get(User, g.user.id)
        if user is not None:
            users.end_sessions(user)
            audit_trail.record(db, "sign-out", audit.Target("user", user.id, user.name))
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
