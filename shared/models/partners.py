"""The sites Syndikat delivers English stories to."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, EncryptedText, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: How stories reach the partner: a name in `services.publish.methods.METHODS`.
    method: Mapped[str] = mapped_column(String(20), default="webhook")
    endpoint: Mapped[str | None] = mapped_column(Text)
    #: The `whsec_…` signing secret; encrypted at rest, never shown.
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    #: Method-specific credentials as JSON (e.g. a WordPress application password); encrypted.
    credentials: Mapped[str | None] = mapped_column(EncryptedText)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    #: Which stories the partner takes; empty means all.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attribution_template: Mapped[str] = mapped_column(String(300), default="Source: {source}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def credentials_dict(self) -> dict[str, Any]:
        return json.loads(self.credentials) if self.credentials else {}
