"""Publish's public face: what the dashboard and the other services may call.

The partner registry (add, change, describe, sign in), feed tokens, replays, the publish
queue (list, cancel, resend), the test delivery
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
from services.publish.queue import (
    OPEN_STATES as OPEN_QUEUE_STATES,
)
from services.publish.queue import (
    BulkReport,
    CancelRefused,
    QueueFilter,
    QueueRow,
    QueueState,
    TimeField,
    cancel_many,
    counts_per_partner,
    list_queue,
    partner_names,
    resend_many,
)
from services.publish.queue import cancel as cancel_delivery
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
    "OPEN_QUEUE_STATES",
    "BulkReport",
    "CancelRefused",
    "InvalidPartner",
    "InvalidTime",
    "NotSent",
    "ProbeResult",
    "QueueFilter",
    "QueueRow",
    "QueueState",
    "ReplayRefused",
    "ReplayReport",
    "TimeField",
    "cancel_delivery",
    "cancel_many",
    "check_sign_in",
    "counts_per_partner",
    "create_partner",
    "describe_delivery",
    "describe_partner",
    "is_pull",
    "latest_tests",
    "list_queue",
    "login_failing",
    "login_of",
    "new_feed_token",
    "parse_since",
    "partner_names",
    "queue_test",
    "replay_delivery",
    "replay_failed",
    "resend_many",
    "update_partner",
]
