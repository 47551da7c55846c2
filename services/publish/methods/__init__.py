"""Delivery methods by the name stored on each partner (`partners.method`)."""

from __future__ import annotations

from services.publish.methods.base import DeliveryMethod, Outcome, Outgoing
from services.publish.methods.webhook import WebhookMethod
from services.publish.methods.wordpress import WordPressMethod

METHODS: dict[str, DeliveryMethod] = {"webhook": WebhookMethod(), "wordpress": WordPressMethod()}


def method_for(name: str) -> DeliveryMethod:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown delivery method {name!r}; known: {sorted(METHODS)}") from None


__all__ = ["METHODS", "DeliveryMethod", "Outcome", "Outgoing", "method_for"]
