"""The sites Syndikat delivers English stories to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, EncryptedText, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: How stories reach the partner: "webhook" for now.
    method: Mapped[str] = mapped_column(String(20), default="webhook")
    endpoint: Mapped[str | None] = mapped_column(Text)
    #: The `whsec_…` signing secret; encrypted at rest, never shown.
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    #: Which stories the partner takes; empty means all.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attribution_template: Mapped[str] = mapped_column(String(300), default="Source: {source}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
