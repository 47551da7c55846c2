"""Translation memory: every translated sentence, so a story's next version re-uses it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow

#: The `engine` of entries a reviewer wrote: they win over every engine's.
REVIEWER = "reviewer"


class MemoryEntry(Base):
    """One unit's English, under (source text, engine, glossary version)."""

    __tablename__ = "translation_memory"
    # The unique index also serves lookups by (source_hash, engine), its prefix.
    __table_args__ = (UniqueConstraint("source_hash", "engine", "glossary_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the source (marker text), hex: the lookup key.
    source_hash: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(200))
    glossary_version: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
