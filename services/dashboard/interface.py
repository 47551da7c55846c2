"""The dashboard's public face: what the CLI runner may call (the demo's dashboard user)."""

from __future__ import annotations

from services.dashboard.users import InvalidUser, save_user

__all__ = ["InvalidUser", "save_user"]
