"""Pictures Syndikat has fetched: one row (and one stored copy) per distinct content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class Media(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the bytes, hex: the same picture sent twice (or by two wires) is kept once.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: Sniffed from the bytes (image/jpeg, image/png, image/webp, image/gif), not the header.
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    #: Where the media store keeps it, e.g. "ab/cd/abcd….jpg".
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
