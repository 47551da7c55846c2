"""The audit log: who did what to which thing, when, from where, and what it was before/after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A dashboard user's name, "api" (the management API's bearer token) or "cli:<unix user>".
    actor: Mapped[str] = mapped_column(String(100))
    #: e.g. "partner.update", "sign-in.failed", "delivery.resend" (see shared/audit.py).
    action: Mapped[str] = mapped_column(String(50))
    target_kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str | None] = mapped_column(String(100))
    target_name: Mapped[str | None] = mapped_column(String(300))
    #: Only the fields that changed, as the service's `describe` shows them: never a secret.
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    #: The client's address (dashboard and API; behind trusted proxies, the forwarded one).
    address: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
