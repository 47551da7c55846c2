"""Dashboard users: adding them, checking passwords, and the stamp that ties a session to one."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from shared.models import User, utcnow

MIN_PASSWORD_LENGTH = 10
#: Compared against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class InvalidUser(ValueError):
    pass


def save_user(db: Session, name: str, password: str) -> User:
    """Add a user, or set the password of the one with this name."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidUser("a user name is 1 to 100 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    user = db.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name)
        db.add(user)
    user.password_hash = generate_password_hash(password)
    user.enabled = True
    db.flush()
    return user


def authenticate(db: Session, name: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.enabled:
        return None
    user.last_login_at = utcnow()
    return user


def session_stamp(user: User) -> str:
    """Changes when the password does, which ends every session signed in with the old one."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
