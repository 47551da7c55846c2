"""A partner that never answers, or answers a byte a second, cannot hold a delivery.

The publish worker runs on Celery's threads pool, where Celery's time limits do not apply: the
bound is each request's own deadline (SYNDIKAT_DELIVERY_TIMEOUT in total, not per read). The
pytest timeout on each test is the guard: without the deadline these attempts never end.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.publish import delivery
from shared import http
from shared.models import DeliveryAttempt
from tests.support.factories import add_partner
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.stalling_server import StallingServer

BEHAVIOURS = ["silent", "trickles headers", "trickles body"]
#: Seconds a partner request may take in total in these tests.
BOUND = 2
#: Without the deadline the trickling partners hold the attempt for ever; this ends the test.
pytestmark = pytest.mark.timeout(BOUND * 10)


@pytest.fixture(params=BEHAVIOURS)
def stalling_partner(request: Any) -> Any:
    with StallingServer(request.param) as server:
        yield server


@pytest.mark.parametrize("method", ["webhook", "wordpress"])
def test_a_delivery_to_a_stalling_partner_ends_as_a_timeout_and_is_retried(
    db, wire, settings, clock, stalling_partner, method
):
    settings(SYNDIKAT_DELIVERY_TIMEOUT=str(BOUND))
    credentials = (
        '{"user": "editor", "app_password": "abcd efgh"}' if method == "wordpress" else None
    )
    add_partner(
        db, "stalling", endpoint=stalling_partner.url, method=method, credentials=credentials
    )
    fan_out(db, translated_version(db))
    stuck = only_delivery(db, "stalling")

    assert delivery.attempt(stuck.id, now=clock.now) == "retrying"

    failed = current(db, stuck)
    assert failed.state == "pending" and failed.claimed_until is None
    assert failed.next_attempt_at > clock.now
    assert "timed out" in failed.last_error
    attempt = db.scalars(select(DeliveryAttempt)).one()
    assert attempt.succeeded is False and attempt.status_code is None
    assert stalling_partner.connections >= 1


@pytest.mark.parametrize("streamed", [False, True], ids=["read whole", "streamed"])
def test_the_client_gives_up_on_a_trickling_answer_at_its_timeout(streamed):
    with (
        StallingServer("trickles body", byte_every=0.2) as server,
        http.client(timeout=1) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        if streamed:
            with client.stream("GET", server.url) as answer:
                for _ in answer.iter_raw():
                    pass
        else:
            client.get(server.url)
