"""Where stories come from: a wire agency's push endpoint, a feed, a folder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, EncryptedText, utcnow


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="push")
    url: Mapped[str | None] = mapped_column(Text)
    #: The `whsec_…` secret pushes are signed with; encrypted at rest.
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str | None] = mapped_column(String(16))
    attribution: Mapped[str | None] = mapped_column(String(300))
    poll_interval_seconds: Mapped[int] = mapped_column(default=300)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def attribution_text(self) -> str:
        return self.attribution or f"Source: {self.name}"
