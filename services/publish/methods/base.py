"""The contract every delivery method meets (webhook, WordPress, …)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.publish.pictures import Picture
from shared.models import DeliveryEvent


@dataclass(frozen=True)
class Outgoing:
    """One event for one partner, everything a method needs to send it."""

    event: DeliveryEvent
    webhook_id: str  # stable across retries of this delivery
    occurred_at: datetime  # when the delivery was created: the body does not change on retry
    endpoint: str
    secret: str | None
    credentials: dict[str, Any]
    story: dict[str, Any]  # the English story as ninjs 2.x, attribution applied
    #: The partner's id for this story from an earlier delivery (e.g. a WordPress post id).
    remote_id: str | None = None
    #: During a secret rotation, the old secret: webhooks then carry a signature for each.
    previous_secret: str | None = None
    #: Syndikat's own id of the story, the same for all its versions and kills (a WordPress
    #: post's slug is made from it, so a post whose creation answer was lost is found again).
    story_id: str = ""
    #: The partner keeps embargoes itself (see `services.publish.embargo`)…
    honours_embargoes: bool = False
    #: …and this is the story's embargo still ahead, if any: e.g. a WordPress post's schedule.
    embargoed_until: datetime | None = None
    #: The story's fetched pictures (their bytes are in the media store), for methods that
    #: upload them (WordPress); the story's associations already point at Syndikat's copies.
    pictures: tuple[Picture, ...] = ()

    @property
    def signing_secrets(self) -> list[str]:
        return [s for s in (self.secret, self.previous_secret) if s]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None = None
    #: The partner's id for the story, kept so updates and kills reach the same item.
    remote_id: str | None = None
    #: Seconds the partner asked us to wait (Retry-After), if it did.
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class DeliveryMethod(Protocol):
    """Sends one event to one partner. A method whose `send` would publish something visible
    to readers (WordPress) also has `test(outgoing)`: check the line, publish nothing."""

    name: str

    def send(self, outgoing: Outgoing) -> Outcome: ...
