"""The newsroom's glossary: German terms with their fixed English, and names never translated.

The glossary has one version number that goes up with every change, so a translation (and the
translation memory) can say which glossary it was made with.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class TermKind(StrEnum):
    TERM = "term"  # German -> fixed English ("Bundeskanzler" -> "Chancellor")
    KEEP = "keep"  # a name that stays as it is ("Olaf Scholz", "CDU")


class Glossary(Base):
    """One row per glossary; Syndikat uses the one named "default"."""

    __tablename__ = "glossaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: Goes up with every added, changed or removed term.
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GlossaryTerm(Base):
    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("glossary_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    glossary_id: Mapped[int] = mapped_column(ForeignKey("glossaries.id", ondelete="CASCADE"))
    #: The German as it appears in stories ("Bundeskanzler", "Olaf Scholz").
    source: Mapped[str] = mapped_column(String(300))
    #: The English; for a name that is kept, the name itself.
    target: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10), default=TermKind.TERM)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
