"""Every table Syndikat keeps, on one declarative base."""

from shared.models.audit import AuditEvent
from shared.models.base import Base, utcnow
from shared.models.deliveries import (
    Delivery,
    DeliveryAttempt,
    DeliveryEvent,
    DeliveryState,
    PrunedAttemptCount,
)
from shared.models.engine_usage import EngineUsage
from shared.models.glossary import Glossary, GlossaryTerm, TermKind
from shared.models.media import Media
from shared.models.memory import MemoryEntry
from shared.models.outbox import OutboxMessage
from shared.models.partners import Partner
from shared.models.sources import (
    FOLDER_KINDS,
    IngestError,
    PicturePolicy,
    Source,
    SourceKind,
)
from shared.models.stories import Story, StoryEvent, StoryState, StoryVersion, VersionKind
from shared.models.translations import Translation, TranslationStatus
from shared.models.users import Role, User

__all__ = [
    "FOLDER_KINDS",
    "AuditEvent",
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryEvent",
    "DeliveryState",
    "EngineUsage",
    "Glossary",
    "GlossaryTerm",
    "IngestError",
    "Media",
    "MemoryEntry",
    "OutboxMessage",
    "Partner",
    "PicturePolicy",
    "PrunedAttemptCount",
    "Role",
    "Source",
    "SourceKind",
    "Story",
    "StoryEvent",
    "StoryState",
    "StoryVersion",
    "TermKind",
    "Translation",
    "TranslationStatus",
    "User",
    "VersionKind",
    "utcnow",
]
