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
    #: During a secret rotation the old secret signs too, until `previous_secret_expires_at`.
    previous_secret: Mapped[str | None] = mapped_column(EncryptedText)
    previous_secret_expires_at: Mapped[datetime | None]
    #: Method-specific credentials as JSON (e.g. a WordPress application password); encrypted.
    credentials: Mapped[str | None] = mapped_column(EncryptedText)
    #: SHA-256 of the token a pull-feed partner presents; the token itself is never stored.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    #: When the partner's current run of failed deliveries began; None after a success.
    failing_since: Mapped[datetime | None]
    #: Which stories the partner takes (see `services.publish.filters`); empty means all.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attribution_template: Mapped[str] = mapped_column(String(300), default="Source: {source}")
    #: "wire" keeps the wire's byline; "partner" puts `byline` (or no byline) in its place.
    byline_policy: Mapped[str] = mapped_column(String(16), default="wire")
    byline: Mapped[str | None] = mapped_column(String(200))
    #: The partner keeps embargoes itself: it gets an embargoed version at once, `embargoed`
    #: kept (a WordPress post is scheduled); other partners get it only when the embargo ends.
    honours_embargoes: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def credentials_dict(self) -> dict[str, Any]:
        return json.loads(self.credentials) if self.credentials else {}

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets deliveries are signed with now: the new one first during a rotation."""
        current = [self.secret] if self.secret else []
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > now:
            return [*current, self.previous_secret]
        return current
