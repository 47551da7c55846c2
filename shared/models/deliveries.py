"""One story version on its way to one partner, and every attempt to get it there."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base, utcnow
from shared.models.partners import Partner


class DeliveryState(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by a worker until claimed_until
    DELIVERED = "delivered"
    DEAD = "dead"  # retries exhausted or refused for good; replay by hand
    CANCELED = "canceled"  # never sent: a later version or a kill of the story replaced it


class DeliveryEvent(StrEnum):
    """What a delivery tells its partner: the `type` of the webhook event, stored per delivery."""

    PUBLISHED = "story.published"
    UPDATED = "story.updated"
    KILLED = "story.killed"
    #: A partner's connection test (`services.publish.probe`); sent, never stored.
    TEST = "syndikat.test"


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("partner_id", "story_version_id", "event"),
        Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        # Order per partner and story: is an earlier delivery still on its way?
        Index("ix_deliveries_partner_id_story_id", "partner_id", "story_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    story_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )
    story_version_id: Mapped[int] = mapped_column(
        ForeignKey("story_versions.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(String(40), default=DeliveryEvent.PUBLISHED)
    #: Fixed when the delivery is created, so every retry carries the same id.
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_webhook_id)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    #: The sweep queued a DELIVER task for it; it does not queue another before this time
    #: (the first may still be waiting in a busy publish queue).
    queued_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    #: The partner's own id for the story (e.g. a WordPress post id), for updates and kills.
    remote_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The version's embargo, for a partner that does not honour embargoes: nothing goes out
    #: before it, whatever `next_attempt_at` says (see `services.publish.delivery.sendable`).
    held_until: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[bool] = mapped_column(default=False)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")


class PrunedAttemptCount(Base):
    """Delivery attempts retention removed, per partner and outcome.

    With the attempts still stored they make totals that only grow, which /metrics exposes as
    Prometheus counters (`rate()` needs them); retention adds to these in the transaction
    that deletes the attempts (services.ingest.retention).
    """

    __tablename__ = "pruned_attempt_counts"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    succeeded: Mapped[bool] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)


# The dashboard's throughput and latency (delivered in the last hour), its dead letters by
# partner and its failing partners.
Index("ix_deliveries_delivered_at", Delivery.delivered_at)
Index(
    "ix_deliveries_partner_id_state_delivered_at",
    Delivery.partner_id,
    Delivery.state,
    Delivery.delivered_at,
)
Index("ix_delivery_attempts_started_at", DeliveryAttempt.started_at)
# Retention keeps every story version a delivery refers to (services.retention).
Index("ix_deliveries_story_version_id", Delivery.story_version_id)
