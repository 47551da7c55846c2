"""People who sign in to the dashboard. Passwords are kept only as salted hashes."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class Role(StrEnum):
    """What a user may do in the dashboard; each includes everything of the ones below it."""

    VIEWER = "viewer"  # reads every page, changes nothing
    EDITOR = "editor"  # also reviews (approve, edit), resends, replays and cancels deliveries
    ADMIN = "admin"  # also partners, sources, glossary and users

    def allows(self, needed: Role) -> bool:
        return ROLE_ORDER.index(self) >= ROLE_ORDER.index(needed)


ROLE_ORDER = (Role.VIEWER, Role.EDITOR, Role.ADMIN)


def new_session_stamp() -> str:
    return secrets.token_hex(16)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: werkzeug.security's `method$salt$hash` string; never the password itself.
    password_hash: Mapped[str] = mapped_column(String(300))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    role: Mapped[str] = mapped_column(String(20), default=Role.ADMIN, server_default="admin")
    #: Copied into each session at sign-in and compared on every request: a new stamp (sign-out,
    #: password change, disabling) ends every session of this user at once.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp)
