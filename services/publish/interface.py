"""Publish's public face: what the dashboard and the other services may call.

The partner registry (add, change, describe, sign in), feed tokens, replays, the test delivery
(queued as a task, its latest result kept for the page) and how deliveries are described.
Everything else in services/publish is publish's own business; tests/test_boundaries.py fails
when another part imports it.
"""

from __future__ import annotations

from services.publish.feeds import new_token as new_feed_token
from services.publish.listing import describe_delivery
from services.publish.methods import METHODS, is_pull
from services.publish.partners import login_failing
from services.publish.payload import BYLINE_POLICIES
from services.publish.probe import NotSent, queue_test
from services.publish.probe_results import ProbeResult
from services.publish.probe_results import latest as latest_tests
from services.publish.registry import InvalidPartner, check_sign_in, login_of
from services.publish.registry import create as create_partner
from services.publish.registry import describe as describe_partner
from services.publish.registry import update as update_partner
from services.publish.replay import ReplayRefused, ReplayReport, replay_failed
from services.publish.replay import replay as replay_delivery
from services.publish.times import InvalidTime, parse_since

__all__ = [
    "BYLINE_POLICIES",
    "METHODS",
    "InvalidPartner",
    "InvalidTime",
    "NotSent",
    "ProbeResult",
    "ReplayRefused",
    "ReplayReport",
    "check_sign_in",
    "create_partner",
    "describe_delivery",
    "describe_partner",
    "is_pull",
    "latest_tests",
    "login_failing",
    "login_of",
    "new_feed_token",
    "parse_since",
    "queue_test",
    "replay_delivery",
    "replay_failed",
    "update_partner",
]
