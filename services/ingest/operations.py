"""What an operator does to sources by hand (dashboard, CLI)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.models import Source


class SourceNotFound(LookupError):
    pass


def set_source_enabled(db: Session, source_id: int, enabled: bool) -> Source:
    """A disabled source's pushes are refused and its feed is not polled."""
    source = db.get(Source, source_id)
    if source is None:
        raise SourceNotFound(f"no source {source_id}")
    source.enabled = enabled
    return source
