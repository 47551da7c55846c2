"""Deliveries as operators see them, for the CLI and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from shared.models import Delivery, DeliveryState

DELIVERY_STATES = tuple(state.value for state in DeliveryState)


def deliveries_query(
    partner_id: int | None = None,
    state: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> Select[Delivery]:
    """Newest first, narrowed by partner, state and creation time."""
    query = select(Delivery)
    if partner_id is not None:
        query = query.where(Delivery.partner_id == partner_id)
    if state:
        query = query.where(Delivery.state == state)
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    return query.order_by(Delivery.id.desc()).limit(limit)


def describe_delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "partner": delivery.partner.name,
        "story_id": str(delivery.story_id),
        "event": delivery.event,
        "state": delivery.state,
        "webhook_id": delivery.webhook_id,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "held_until": _iso(delivery.held_until),
        "delivered_at": _iso(delivery.delivered_at),
        "created_at": _iso(delivery.created_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
