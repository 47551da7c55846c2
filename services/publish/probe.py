"""A test delivery: a signed `syndikat.test` event sent to a partner now, to check the line
(a WordPress site is only asked who the Application Password signs in as: nothing is posted).
The same check signs a WordPress partner in once when it is registered (`sign_in`).

Not recorded as a delivery (nothing is retried or replayed). The dashboard does not wait for
the partner: `queue_test` queues the `PROBE_PARTNER` task, whose `run_test` sends the test on
the publish worker and keeps the answer for the page (`probe_results`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from services.publish import methods
from services.publish.probe_results import ACCEPTED, FAILED, QUEUED, ProbeResult, record
from shared import db as database
from shared import outbox, tasks
from shared.languages import Language
from shared.models import DeliveryEvent, Partner, utcnow

TEST_EVENT = DeliveryEvent.TEST


class NotSent(ValueError):
    """No test was sent; the message says why."""


def queue_test(db: Session, partner_id: int) -> None:
    """Queue a test delivery to the partner, sent by the publish worker once `db` commits."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise NotSent(f"no partner {partner_id}")
    _refuse_pull(partner)
    outbox.enqueue(db, tasks.PROBE_PARTNER, partner_id=partner_id)
    # Before the commit, so the task's answer (sent only after it) always comes later.
    record(partner_id, ProbeResult(QUEUED, utcnow()))


def run_test(partner_id: int) -> methods.Outcome | None:
    """Send the test now and keep what the partner answered; None when none could be sent."""
    try:
        outcome = send_test(partner_id)
    except NotSent as exc:
        record(partner_id, ProbeResult(FAILED, utcnow(), f"not sent: {exc}"))
        return None
    if outcome.ok:
        record(partner_id, ProbeResult(ACCEPTED, utcnow(), f"HTTP {outcome.status_code}"))
    else:
        record(partner_id, ProbeResult(FAILED, utcnow(), outcome.error or "no answer"))
    return outcome


def send_test(partner_id: int) -> methods.Outcome:
    """Send the partner a signed test event now and return its answer."""
    with database.session() as db:  # read, then let go of the database while the partner answers
        partner = db.get(Partner, partner_id)
        if partner is None:
            raise NotSent(f"no partner {partner_id}")
        _refuse_pull(partner)
        method = partner.method
        outgoing = _test_outgoing(
            partner.endpoint, partner.credentials_dict(), partner.secret, _previous_secret(partner)
        )
    return _check_line(method, outgoing)


def _refuse_pull(partner: Partner) -> None:
    if methods.is_pull(partner.method):
        raise NotSent(f"{partner.name} pulls a feed: there is nothing to send")


def sign_in(method: str, endpoint: str, credentials: dict[str, Any]) -> methods.Outcome:
    """Check a partner's address and login before it is saved (a WordPress site: who the
    Application Password signs in as). Nothing is posted, nothing is stored."""
    return _check_line(method, _test_outgoing(endpoint, credentials))


def _check_line(method_name: str, outgoing: methods.Outgoing) -> methods.Outcome:
    method = methods.method_for(method_name)
    # A method that would publish the test where readers see it checks the line instead.
    return getattr(method, "test", method.send)(outgoing)


def _test_outgoing(
    endpoint: str | None,
    credentials: dict[str, Any],
    secret: str | None = None,
    previous_secret: str | None = None,
) -> methods.Outgoing:
    return methods.Outgoing(
        event=TEST_EVENT,
        webhook_id=f"msg_test_{uuid.uuid4().hex}",
        occurred_at=utcnow(),
        endpoint=endpoint or "",
        secret=secret,
        credentials=credentials,
        story=_test_story(),
        previous_secret=previous_secret,
    )


def _previous_secret(partner: Partner) -> str | None:
    # During a secret rotation the test carries both signatures, as deliveries do.
    secrets = partner.signing_secrets(utcnow())
    return secrets[1] if len(secrets) > 1 else None


def _test_story() -> dict[str, object]:
    return {
        "uri": f"urn:syndikat:test:{uuid.uuid4().hex}",
        "type": "text",
        "version": "1",
        "pubstatus": "usable",
        "language": Language.ENGLISH,
        "headlines": [{"role": "main", "value": "Syndikat test delivery: please ignore"}],
    }
