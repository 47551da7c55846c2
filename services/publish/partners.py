"""A partner's standing: enabled, disabled with a visible reason, re-enabled by hand.

A partner is disabled when its endpoint answers 410 Gone, or when it has had no successful
delivery for `SYNDIKAT_PARTNER_DISABLE_AFTER_HOURS` while deliveries kept failing. Its pending
deliveries wait; re-enabling makes them due at once.

A partner whose deliveries have been refused with 401/403 — a wrong or revoked login — for
`SYNDIKAT_PARTNER_AUTH_FAILING_AFTER` is shown as failing (`login_failing`): retries will not
help until someone fixes the login.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from shared.config import get_settings
from shared.models import Delivery, DeliveryAttempt, DeliveryState, Partner

REENABLE_HINT = "re-enable with `syndikat partners enable {name}`"
#: Answers that mean the partner refuses Syndikat's login.
LOGIN_REFUSED = (401, 403)
#: How many of a partner's latest attempts are read to find when its refusals began.
REFUSALS_READ = 500


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
    """The sweep's check: disable partners failing for too long even when nothing is retried.

    Bounded by the number of partners (a newsroom has tens), not by the stories.
    """
    query = select(Partner).where(Partner.enabled.is_(True), Partner.failing_since.is_not(None))
    return [p.name for p in db.scalars(query) if disable_if_failing_too_long(db, p, now)]


def login_failing(db: Session, partner: Partner, now: datetime) -> str | None:
    """Why the partner shows as failing because its login is refused; None when it is not.

    Only a partner failing (`failing_since`) for at least the limit is looked at: its latest
    attempts are read back to the first of their unbroken run of 401/403 answers.
    """
    limit = timedelta(seconds=get_settings().partner_auth_failing_after_seconds)
    if partner.failing_since is None or now - partner.failing_since < limit:
        return None
    first = _first_refusal(db, partner.id)
    if first is None or now - first.started_at < limit:
        return None
    since = first.started_at.isoformat(timespec="minutes")
    refused = f"login refused (HTTP {first.status_code}) since {since}"
    return f"{refused}: {first.error}" if first.error else refused


def _first_refusal(db: Session, partner_id: int) -> DeliveryAttempt | None:
    latest = db.scalars(
        select(DeliveryAttempt)
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .where(Delivery.partner_id == partner_id)
        .order_by(DeliveryAttempt.id.desc())
        .limit(REFUSALS_READ)
    )
    first = None
    for attempt in latest:
        if attempt.status_code not in LOGIN_REFUSED:
            break
        first = attempt
    return first
