"""`syndikat users …`: who may sign in to the dashboard."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from services.dashboard.users import InvalidUser, save_user
from shared import db as database
from shared.models import User


@click.group("users")
def users_group() -> None:
    """Dashboard users."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
def add_user(name: str, password_stdin: bool) -> None:
    """Add a dashboard user, or set a new password for NAME."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with database.session() as db:
            save_user(db, name, password)
    except InvalidUser as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {name}: saved")


@users_group.command("list")
def list_users() -> None:
    with database.session() as db:
        for user in db.scalars(select(User).order_by(User.name)):
            state = "enabled" if user.enabled else "disabled"
            last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-"
            click.echo(f"{user.name}\t{state}\tlast login {last}")


@users_group.command("disable")
@click.argument("name")
def disable_user(name: str) -> None:
    """Stop NAME from signing in; their open sessions end at the next request."""
    with database.session() as db:
        user = db.scalar(select(User).where(User.name == name))
        if user is None:
            raise click.ClickException(f"no user named {name!r}")
        user.enabled = False
    click.echo(f"user {name}: disabled")
