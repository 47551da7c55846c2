"""The English rendering of one story version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shared import ninjs as ninjs_format
from shared.models.base import Base, JSONDocument, utcnow
from shared.models.stories import StoryVersion


class TranslationStatus(StrEnum):
    DONE = "done"  # passed the QA gate (or came from an English source)
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"  # a reviewer released it


PUBLISHABLE = (TranslationStatus.DONE, TranslationStatus.APPROVED)


class Translation(Base):
    __tablename__ = "translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_version_id: Mapped[int] = mapped_column(
        ForeignKey("story_versions.id", ondelete="CASCADE"), unique=True
    )
    #: The engine that rendered it; "passthrough" for stories already in English.
    engine: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TranslationStatus.DONE)
    #: The English story as ninjs 2.x.
    ninjs: Mapped[dict[str, Any]]
    #: Its main headline, kept with every change of `ninjs`: the dashboard's search finds it.
    headline: Mapped[str | None] = mapped_column(Text)
    #: QA findings, empty when the gate found nothing.
    qa: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The units the engine translated, in order: {"source", "english", "origin"} each, in
    #: marker text (see services.translate.markup); a reviewer edits these. None: passed through.
    segments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)
    #: The glossary version the translation was made with.
    glossary_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    story_version: Mapped[StoryVersion] = relationship()

    @validates("ninjs")
    def _keep_headline(self, _key: str, value: dict[str, Any]) -> dict[str, Any]:
        self.headline = ninjs_format.main_headline(value)
        return value

    @property
    def publishable(self) -> bool:
        return self.status in PUBLISHABLE


# The dashboard's translation latency (translations made in the last hour) and review queue.
Index("ix_translations_created_at", Translation.created_at)
Index("ix_translations_status", Translation.status)
