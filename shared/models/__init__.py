"""Every table Syndikat keeps, on one declarative base."""

from shared.models.base import Base, utcnow
from shared.models.deliveries import Delivery, DeliveryAttempt, DeliveryState
from shared.models.outbox import OutboxMessage
from shared.models.partners import Partner
from shared.models.sources import Source
from shared.models.stories import Story, StoryEvent, StoryState, StoryVersion, VersionKind
from shared.models.translations import Translation, TranslationStatus
from shared.models.users import User

__all__ = [
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "OutboxMessage",
    "Partner",
    "Source",
    "Story",
    "StoryEvent",
    "StoryState",
    "StoryVersion",
    "Translation",
    "TranslationStatus",
    "User",
    "VersionKind",
    "utcnow",
]
