"""Where stories come from (a wire agency's push endpoint, a feed, a folder) and what went wrong."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, EncryptedText, utcnow


class PicturePolicy(StrEnum):
    """What becomes of a story when one of its pictures cannot be fetched."""

    WITHOUT = "without"  # it goes on without that picture
    HOLD = "hold"  # it is held for an editor


class SourceKind(StrEnum):
    PUSH = "push"  # the wire POSTs to the ingest API
    RSS = "rss"  # an RSS or Atom feed polled at `url`
    NEWSML_G2 = "newsml-g2"  # NewsML-G2 files dropped into `folder` (or pushed)
    NITF = "nitf"  # NITF files dropped into `folder` (or pushed)
    FOLDER = "folder"  # ninjs, NewsML-G2 or NITF files dropped into `folder`


#: Kinds whose files come from a watched folder (NewsML-G2 and NITF sources may be pushed to).
FOLDER_KINDS = (SourceKind.NEWSML_G2, SourceKind.NITF, SourceKind.FOLDER)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=SourceKind.PUSH)
    url: Mapped[str | None] = mapped_column(Text)
    #: The watched directory of a folder source, inside SYNDIKAT_INBOX_DIR.
    folder: Mapped[str | None] = mapped_column(Text)
    #: The `whsec_…` secret pushes are signed with; encrypted at rest.
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str | None] = mapped_column(String(16))
    attribution: Mapped[str | None] = mapped_column(String(300))
    poll_interval_seconds: Mapped[int] = mapped_column(default=300)
    #: Fetch the linked article when a feed item carries only a teaser.
    fetch_full_text: Mapped[bool] = mapped_column(default=False)
    #: How long the source may go without a new item before its status says "quiet".
    quiet_after_seconds: Mapped[int | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Which engine translates this source's stories, by urgency (see shared.engine_routes),
    #: e.g. "urgency<=2:deepl,*:local"; None: SYNDIKAT_ENGINE for every story.
    engine_route: Mapped[str | None] = mapped_column(String(500))
    #: `without` or `hold` (PicturePolicy): a story whose picture failed goes on, or waits.
    picture_policy: Mapped[str] = mapped_column(
        String(10), default=PicturePolicy.WITHOUT, server_default=PicturePolicy.WITHOUT.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Polling state: when to look next, and what the feed server told us last time.
    next_poll_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    #: SHA-256 of the last feed body taken in: an unchanged body is not read again.
    feed_digest: Mapped[str | None] = mapped_column(String(64))

    # Status, for operators: the last poll, push or scan that worked or failed.
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    failures_in_row: Mapped[int] = mapped_column(default=0)

    def attribution_text(self) -> str:
        return self.attribution or f"Source: {self.name}"

    @property
    def polled(self) -> bool:
        """True for a source Syndikat fetches from: a feed with a URL, a kind with a folder."""
        if self.kind == SourceKind.RSS:
            return bool(self.url)
        return self.kind in FOLDER_KINDS and bool(self.folder)


class IngestError(Base):
    """Something from a source that could not be taken in: a bad feed item, file or push.

    The same problem seen again (a broken item in every poll) counts up `occurrences` instead of
    adding a row.
    """

    __tablename__ = "ingest_errors"
    __table_args__ = (
        Index("ix_ingest_errors_source_id_last_seen_at", "source_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    #: What the error is about: a feed item's guid or link, a file name, a story uri, "(feed)".
    item_ref: Mapped[str] = mapped_column(String(1000))
    reason: Mapped[str] = mapped_column(Text)
    occurrences: Mapped[int] = mapped_column(default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
