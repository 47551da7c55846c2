"""Who may do what: every form a page posts needs a role (admin when nothing else is said).

    @bp.post("/deliveries/<int:delivery_id>/cancel")
    @requires(Role.EDITOR)
    def cancel(delivery_id: int) -> Any: ...

Viewers read every page; editors also review, resend, replay and cancel deliveries; admins also
change partners, sources, the glossary and users. Pages hide the buttons a role cannot use
(`can('editor')` in templates); the check here is what counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from shared.models import Role

View = TypeVar("View", bound=Callable[..., Any])
#: Forms anyone signed in may send, whatever their role.
ANY_ROLE = {"auth.login", "auth.logout"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def requires(role: Role, *, to_read: bool = False) -> Callable[[View], View]:
    """Mark a view as needing at least `role` for the forms it takes (checked before it runs);
    `to_read`: for its pages too (the users page and the audit log are for admins)."""

    def mark(view: View) -> View:
        view.needed_role = role  # type: ignore[attr-defined]
        view.needed_to_read = to_read  # type: ignore[attr-defined]
        return view

    return mark


def init_app(app: Flask) -> None:
    app.before_request(_check_role)
    app.jinja_env.globals.update(can=can, may_post=may_post)


def needed_role(endpoint: str | None, method: str) -> Role | None:
    """The role `method` on `endpoint` needs; None when any signed-in user may."""
    if endpoint is None or endpoint in ANY_ROLE:
        return None
    view = current_app.view_functions.get(endpoint)
    if method in SAFE_METHODS and not getattr(view, "needed_to_read", False):
        return None  # pages are for every role
    return getattr(view, "needed_role", Role.ADMIN)


def can(role: str) -> bool:
    user = g.get("user")
    return user is not None and Role(user.role).allows(Role(role))


def may_post(url: str) -> bool:
    """Whether the signed-in user's role may send a form to `url` (pages hide what it may not)."""
    path = url.partition("?")[0].removeprefix(request.script_root)  # url_for adds the root
    try:
        endpoint, _ = current_app.url_map.bind("").match(path, method="POST")
    except HTTPException:
        return False
    needed = needed_role(endpoint, "POST")
    return needed is None or can(needed)


def _check_role() -> Any:
    if g.get("user") is None:
        return None  # strangers were sent to the login already; probes and static files pass
    needed = needed_role(request.endpoint, request.method)
    if needed is None or can(needed):
        return None
    message = f"This needs the {needed.value} role; you are signed in as a {g.user.role}."
    return render_template("dashboard/error.html", status=403, message=message), 403
