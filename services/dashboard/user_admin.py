"""The users page (admins only): add users, set their role, disable or enable them, set a new
password. A new password and disabling end every session of that user at once; every change is
in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.dashboard import audit_trail, users
from services.dashboard.messages import say
from services.dashboard.roles import requires
from shared import audit
from shared import db as database
from shared.models import Role, User

bp = Blueprint("users", __name__)


@bp.get("/users")
@requires(Role.ADMIN, to_read=True)
def index() -> Any:
    with database.read_session() as db:
        listed = list(db.scalars(select(User).order_by(User.name)))
        return render_template("dashboard/users.html", users=listed, roles=list(Role))


@bp.post("/users")
@requires(Role.ADMIN)
def create() -> Any:
    name = request.form.get("name", "").strip()
    with database.session() as db:
        if db.scalar(select(User.id).where(User.name == name)) is not None:
            say(f"Not added: a user named {name!r} exists.", "error")
            return redirect(url_for("users.index"))
        try:
            user = users.save_user(db, name, request.form.get("password", ""), _role())
        except users.InvalidUser as exc:
            db.rollback()
            say(f"Not added: {exc}.", "error")
            return redirect(url_for("users.index"))
        _record(db, "user.create", user, None)
        say(f"{user.name} added as {user.role}.", "success")
    return redirect(url_for("users.index") + f"#user-{user.id}")


@bp.post("/users/<int:user_id>/role")
@requires(Role.ADMIN)
def set_role(user_id: int) -> Any:
    def change(user: User) -> str:
        user.role = users.parse_role(request.form.get("role", ""))
        return f"{user.name} is now {user.role}."

    return _change(user_id, "user.role", change)


@bp.post("/users/<int:user_id>/disable")
@requires(Role.ADMIN)
def disable(user_id: int) -> Any:
    def change(user: User) -> str:
        users.set_enabled(user, False)
        return f"{user.name} disabled; their sessions ended."

    return _change(user_id, "user.disable", change)


@bp.post("/users/<int:user_id>/enable")
@requires(Role.ADMIN)
def enable(user_id: int) -> Any:
    def change(user: User) -> str:
        users.set_enabled(user, True)
        return f"{user.name} enabled."

    return _change(user_id, "user.enable", change)


@bp.post("/users/<int:user_id>/password")
@requires(Role.ADMIN)
def set_password(user_id: int) -> Any:
    def change(user: User) -> str:
        users.set_password(user, request.form.get("password", ""))
        return f"New password set for {user.name}; their sessions ended."

    return _change(user_id, "user.password", change, detail="a new password (not recorded)")


def _change(
    user_id: int, action: str, change: Callable[[User], str], detail: str | None = None
) -> Any:
    with database.session() as db:
        user = db.get(User, user_id)
        if user is None:
            abort(404)
        if user.id == g.user.id and action in {"user.role", "user.disable"}:
            say("Not changed: an admin cannot demote or disable themselves.", "error")
            return redirect(url_for("users.index"))
        before = users.describe(user)
        try:
            done = change(user)
        except users.InvalidUser as exc:
            db.rollback()
            say(f"Not changed: {exc}.", "error")
        else:
            _record(db, action, user, before, detail=detail)
            _keep_own_session(user)
            say(done, "success")
    return redirect(url_for("users.index") + f"#user-{user_id}")


def _keep_own_session(user: User) -> None:
    """An admin setting their own password stays signed in here; their other sessions end."""
    if user.id == g.user.id:
        session["user"] = {**session["user"], "stamp": user.session_stamp}


def _role() -> Role:
    return users.parse_role(request.form.get("role", Role.VIEWER))


def _record(
    db: Session, action: str, user: User, before: dict[str, Any] | None, **extra: Any
) -> None:
    target = audit.Target("user", user.id, user.name)
    audit_trail.record(db, action, target, before, users.describe(user), **extra)
