"""Signing in and out, and the rule that every page but a few needs a signed-in user."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
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

from services.dashboard import users
from services.dashboard.navigation import safe_path
from shared import db as database
from shared.models import User

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
    with database.session() as db:
        user = db.get(User, signed.get("id"))
    if user is None or not user.enabled or signed.get("stamp") != users.session_stamp(user):
        session.pop("user", None)
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        with database.session() as db:
            user = users.authenticate(db, form.name.data or "", form.password.data or "")
            if user is not None:
                return _start_session(user)
        flash("Wrong name or password.", "error")
    return render_template(
        "dashboard/login.html", form=form
    ), 200 if request.method == "GET" else 401


def _start_session(user: User) -> Any:
    session.clear()  # nothing from before signing in carries over
    session.permanent = True
    session["user"] = {"id": user.id, "stamp": users.session_stamp(user)}
    return redirect(safe_path(request.args.get("next")) or url_for("overview.index"))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
