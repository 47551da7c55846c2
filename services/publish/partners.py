"""A partner's standing: enabled, disabled with a visible reason, re-enabled by hand.

A partner is disabled when its endpoint answers 410 Gone, or when it has had no successful
delivery for `SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS` while deliveries kept failing. Its pending
deliveries wait; re-enabling makes them due at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from shared.config import get_settings
from shared.models import Delivery, DeliveryState, Partner

REENABLE_HINT = "re-enable with `syndikat partners enable {name}`"


def disable(db: Session, partner: Partner, reason: str, now: datetime) -> None:
    if not partner.enabled:
        return
    partner.enabled = False
    partner.disabled_reason = f"{reason}; {REENABLE_HINT.format(name=partner.name)}"
    partner.disabled_at = now


def enable(db: Session, partner: Partner, now: datetime) -> int:
    """Enable the partner; returns how many waiting deliveries are now due."""
    partner.enabled = True
    partner.disabled_reason = None
    partner.disabled_at = None
    partner.failing_since = None
    db.flush()
    due = db.execute(
        update(Delivery)
        .where(Delivery.partner_id == partner.id, Delivery.state == DeliveryState.PENDING)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], due).rowcount  # an UPDATE's result has a row count


def failing_too_long(partner: Partner, now: datetime) -> bool:
    limit = timedelta(hours=get_settings().partner_disable_after_hours)
    return partner.failing_since is not None and now - partner.failing_since >= limit


def disable_if_failing_too_long(db: Session, partner: Partner, now: datetime) -> bool:
    if not partner.enabled or not failing_too_long(partner, now):
        return False
    assert partner.failing_since is not None
    since = partner.failing_since.isoformat(timespec="minutes")
    disable(db, partner, f"no successful delivery since deliveries began failing at {since}", now)
    return True


def disable_failing(db: Session, now: datetime) -> list[str]:
    """The sweep's check: disable partners failing for too long even when nothing is retried."""
    query = select(Partner).where(Partner.enabled.is_(True), Partner.failing_since.is_not(None))
    return [p.name for p in db.scalars(query) if disable_if_failing_too_long(db, p, now)]
