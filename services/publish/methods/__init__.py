"""Delivery methods by the name stored on each partner (`partners.method`)."""

from __future__ import annotations

from services.publish.methods.base import DeliveryMethod, Outcome, Outgoing
from services.publish.methods.feed import FeedMethod
from services.publish.methods.webhook import WebhookMethod
from services.publish.methods.wordpress import WordPressMethod

METHODS: dict[str, DeliveryMethod] = {
    "webhook": WebhookMethod(),
    "wordpress": WordPressMethod(),
    "feed": FeedMethod(),
}


def method_for(name: str) -> DeliveryMethod:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown delivery method {name!r}; known: {sorted(METHODS)}") from None


def is_pull(name: str) -> bool:
    """Whether partners of this method fetch their stories (a feed) rather than receive them."""
    return bool(getattr(METHODS.get(name), "pulls", False))


__all__ = ["METHODS", "DeliveryMethod", "Outcome", "Outgoing", "is_pull", "method_for"]
