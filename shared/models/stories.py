"""A wire story, every version of it the wire sent, and what happened to it (its timeline)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from shared.models.base import Base, utcnow
from shared.models.sources import Source


class StoryState(StrEnum):
    RECEIVED = "received"  # stored, waiting for its next step
    TRANSLATING = "translating"
    AWAITING_ENGINE = "awaiting_engine"  # no engine could run; retried until one can
    NEEDS_REVIEW = "needs_review"  # the QA gate held the translation
    HELD = "held"  # not publishable as it is (unknown language, withheld by the wire)
    READY = "ready"  # English exists; publishing is queued
    EMBARGOED = "embargoed"  # translated and cleared; every delivery held until the embargo
    PUBLISHED = "published"  # handed to every matching partner
    KILLED = "killed"  # withdrawn by the wire


class VersionKind(StrEnum):
    ORIGINAL = "original"
    UPDATE = "update"
    KILL = "kill"


class Story(Base):
    """A story is its source's: the same uri from another source is another story."""

    __tablename__ = "stories"
    #: uri first: a uri alone (the dashboard's jump to a pasted uri) is found by this index too.
    __table_args__ = (UniqueConstraint("uri", "source_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    uri: Mapped[str] = mapped_column(String(1000))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    #: Changed only through `shared.story_states` (the transition table, compare-and-set).
    state: Mapped[str] = mapped_column(String(32), default=StoryState.RECEIVED, index=True)
    state_detail: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("story_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: While the story waits for an engine: when its translation is tried next (None: it is
    #: not waiting), and how many times it was tried since it began to wait. The delay doubles
    #: with every try up to SYNDIKAT_ENGINE_RETRY_MAX_DELAY (see services.translate.waiting).
    engine_retry_at: Mapped[datetime | None]
    engine_tries: Mapped[int] = mapped_column(default=0, server_default="0")

    source: Mapped[Source] = relationship()
    versions: Mapped[list[StoryVersion]] = relationship(
        back_populates="story",
        foreign_keys="StoryVersion.story_id",
        order_by="StoryVersion.id",
    )
    current_version: Mapped[StoryVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class StoryVersion(Base):
    __tablename__ = "story_versions"
    __table_args__ = (UniqueConstraint("story_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    #: The source that sent this version (intake sets it; `_copy_source_of_story` fills in the
    #: story's source otherwise). Being here, a source's items in the last day and its latest
    #: item are one index range each, however many stories there are. Nullable only because
    #: SQLite cannot add a NOT NULL reference to a table that has rows; every version has one.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    #: The wire's own `version` as sent (ninjs carries it as a string).
    version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=VersionKind.ORIGINAL)
    pubstatus: Mapped[str] = mapped_column(String(16), default="usable")
    language: Mapped[str | None] = mapped_column(String(16))
    versioncreated: Mapped[datetime | None]
    #: The story as stored: ninjs 2.x, HTML sanitised.
    ninjs: Mapped[dict[str, Any]]
    #: Indexed: throughput (versions received in the last hour); with `source_id`, a source's
    #: items in the last 24 hours and its latest item.
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    story: Mapped[Story] = relationship(back_populates="versions", foreign_keys=[story_id])
    #: The source that sent this version.
    source: Mapped[Source | None] = relationship()


@event.listens_for(StoryVersion, "before_insert")
def _copy_source_of_story(
    _mapper: Mapper[StoryVersion], connection: Connection, version: StoryVersion
) -> None:
    if version.source_id is None:
        version.source_id = connection.scalar(
            select(Story.source_id).where(Story.id == version.story_id)
        )


class StoryEvent(Base):
    """One step in a story's life; together they are the story's timeline."""

    __tablename__ = "story_events"
    __table_args__ = (Index("ix_story_events_story_id_at", "story_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]


# The dashboard lists stories newest first, filtered by state or source, a page at a time
# (keyset pagination on created_at, id): each filter has an index in that order.
Index("ix_stories_created_at_id", Story.created_at, Story.id)
Index("ix_stories_state_created_at_id", Story.state, Story.created_at, Story.id)
Index("ix_stories_source_id_created_at_id", Story.source_id, Story.created_at, Story.id)
Index("ix_story_versions_source_id_received_at", StoryVersion.source_id, StoryVersion.received_at)
# Retention finds the oldest timeline events first (services.retention).
Index("ix_story_events_at", StoryEvent.at)
