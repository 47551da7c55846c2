"""Dashboard users: adding them, checking passwords, roles, and ending their sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from shared.models import Role, User, utcnow
from shared.models.users import new_session_stamp

MIN_PASSWORD_LENGTH = 10
#: Compared against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class InvalidUser(ValueError):
    pass


def save_user(db: Session, name: str, password: str, role: str | None = None) -> User:
    """Add a user, or set the password of the one with this name (which ends their sessions).

    A new user without a `role` is an admin: the CLI adds the first user, who must be able to
    manage the others."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidUser("a user name is 1 to 100 characters")
    checked_role = parse_role(role) if role is not None else None
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, role=checked_role or Role.ADMIN)
        db.add(user)
    elif checked_role is not None:
        user.role = checked_role
    set_password(user, password)
    user.enabled = True
    db.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    end_sessions(user)


def set_enabled(user: User, enabled: bool) -> None:
    user.enabled = enabled
    if not enabled:
        end_sessions(user)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise InvalidUser(f"unknown role {value!r}; known: {known}") from None


def end_sessions(user: User) -> None:
    """Every session signed in as `user` ends at its next request, in every browser."""
    user.session_stamp = new_session_stamp()


def authenticate(db: Session, name: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.enabled:
        return None
    user.last_login_at = utcnow()
    return user


def describe(user: User) -> dict[str, Any]:
    """The user as the audit log shows them: never the password hash or the session stamp."""
    return {"name": user.name, "role": user.role, "enabled": user.enabled}
