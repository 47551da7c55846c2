"""`syndikat users …`: who may sign in to the dashboard; `syndikat audit`: who changed what."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.dashboard import users
from services.publish import interface as publish
from shared import audit
from shared import db as database
from shared.models import AuditEvent, Role, User, utcnow

ROLES = [role.value for role in Role]


@click.group("users")
def users_group() -> None:
    """Dashboard users."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    help="viewer, editor or admin; a new user without it is an admin, an existing one keeps "
    "theirs.",
)
def add_user(name: str, password_stdin: bool, role: str | None) -> None:
    """Add a dashboard user, or set a new password (ending their sessions) for NAME."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with database.session() as db:
            existing = db.scalar(select(User).where(User.name == name.strip()))
            before = users.describe(existing) if existing else None
            user = users.save_user(db, name, password, role)
            action = "user.password" if existing else "user.create"
            _record(db, action, user, before)
    except users.InvalidUser as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {name}: saved ({user.role})")


@users_group.command("list")
def list_users() -> None:
    with database.session() as db:
        for user in db.scalars(select(User).order_by(User.name)):
            state = "enabled" if user.enabled else "disabled"
            last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-"
            click.echo(f"{user.name}\t{state}\tlast login {last}\t{user.role}")


@users_group.command("disable")
@click.argument("name")
def disable_user(name: str) -> None:
    """Stop NAME from signing in; their open sessions end at once."""
    with database.session() as db:
        user = db.scalar(select(User).where(User.name == name))
        if user is None:
            raise click.ClickException(f"no user named {name!r}")
        before = users.describe(user)
        users.set_enabled(user, False)
        _record(db, "user.disable", user, before)
    click.echo(f"user {name}: disabled")


def _record(db: Session, action: str, user: User, before: dict[str, object] | None) -> None:
    target = audit.Target("user", user.id, user.name)
    audit.record(db, audit.cli_actor(), action, target, before, users.describe(user))


@click.command("audit")
@click.option("--since", help="ISO time or an age like 24h, 7d.")
@click.option("--actor", help="A user name, api, or cli:<unix user>.")
@click.option("--action", help="An action or its start: partner. is every partner change.")
@click.option("--target", help="A kind (partner), kind:id (partner:3) or a name.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def audit_command(
    since: str | None,
    actor: str | None,
    action: str | None,
    target: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The audit log, newest first: sign-ins and every change, with who, when and what."""
    try:
        since_at = publish.parse_since(since, utcnow()) if since else None
    except publish.InvalidTime as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    with database.read_session() as db:
        found = audit.events(
            db, actor=actor, action=action, target=target, since=since_at, limit=limit
        )
        for event in found:
            click.echo(json.dumps(_shown(event), ensure_ascii=False) if as_json else _line(event))


def _shown(event: AuditEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "at": event.at.isoformat(timespec="seconds"),
        "actor": event.actor,
        "action": event.action,
        "target": {"kind": event.target_kind, "id": event.target_id, "name": event.target_name},
        "before": event.before,
        "after": event.after,
        "address": event.address,
        "detail": event.detail,
    }


def _line(event: AuditEvent) -> str:
    target = " ".join(
        part for part in (event.target_kind, event.target_name, event.target_id) if part
    )
    change = ""
    if event.before or event.after:
        change = f"\t{json.dumps(event.before or {})} -> {json.dumps(event.after or {})}"
    extra = "".join(f"\t{part}" for part in (event.address, event.detail) if part)
    at = event.at.isoformat(timespec="seconds")
    return f"{at}\t{event.actor}\t{event.action}\t{target}{change}{extra}"
