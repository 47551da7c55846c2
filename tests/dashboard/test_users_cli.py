"""`syndikat users …`: passwords are prompted for or read from stdin, and only hashes are kept."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from shared.models import User


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["users", *args], input=stdin)


def test_users_add_reads_the_password_from_stdin_and_stores_a_hash(db):
    result = run("add", "anna", "--password-stdin", stdin="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.scalars(select(User)).one()
    assert user.name == "anna"
    assert "a long enough password" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_users_add_prompts_twice_and_refuses_short_passwords(db):
    result = run("add", "ben", stdin="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    short = run("add", "carl", "--password-stdin", stdin="short\n")
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output
    assert [u.name for u in db.scalars(select(User))] == ["ben"]


def test_users_list_and_disable(db):
    run("add", "anna", "--password-stdin", stdin="a long enough password\n")
    assert run("disable", "anna").exit_code == 0
    listed = run("list")
    assert listed.output.startswith("anna\tdisabled\tlast login -")
    assert run("disable", "nobody").exit_code != 0


def test_users_add_sets_a_role_keeps_it_without_one_and_refuses_unknown_roles(db):
    assert run("add", "anna", "--password-stdin", stdin="a long enough password\n").exit_code == 0
    assert (
        run(
            "add", "ben", "--role", "viewer", "--password-stdin", stdin="a long password\n"
        ).exit_code
        == 0
    )
    assert run("add", "ben", "--password-stdin", stdin="another long password\n").exit_code == 0
    assert (
        run(
            "add", "carl", "--role", "king", "--password-stdin", stdin="a long password\n"
        ).exit_code
        != 0
    )
    db.expire_all()
    roles = {user.name: user.role for user in db.scalars(select(User))}
    assert roles == {"anna": "admin", "ben": "viewer"}  # the first user can manage the others
    assert run("list").output.splitlines()[1].endswith("\tviewer")
