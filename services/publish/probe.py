"""A test delivery: a signed `syndikat.test` event sent to a partner now, to check the line
(a WordPress site is only asked who the Application Password signs in as: nothing is posted).

Not recorded as a delivery (nothing is retried or replayed); the caller shows the answer.
"""

from __future__ import annotations

import uuid

from services.publish import methods
from shared import db as database
from shared.models import Partner, utcnow

TEST_EVENT = "syndikat.test"


class NotSent(ValueError):
    """No test was sent; the message says why."""


def send_test(partner_id: int) -> methods.Outcome:
    """Send the partner a signed test event now and return its answer."""
    with database.session() as db:  # read, then let go of the database while the partner answers
        partner = db.get(Partner, partner_id)
        if partner is None:
            raise NotSent(f"no partner {partner_id}")
        if methods.is_pull(partner.method):
            raise NotSent(f"{partner.name} pulls a feed: there is nothing to send")
        outgoing = methods.Outgoing(
            event=TEST_EVENT,
            webhook_id=f"msg_test_{uuid.uuid4().hex}",
            occurred_at=utcnow(),
            endpoint=partner.endpoint or "",
            secret=partner.secret,
            credentials=partner.credentials_dict(),
            story=_test_story(),
            previous_secret=_previous_secret(partner),
        )
    method = methods.method_for(partner.method)
    # A method that would publish the test where readers see it checks the line instead.
    return getattr(method, "test", method.send)(outgoing)


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
        "language": "en",
        "headlines": [{"role": "main", "value": "Syndikat test delivery: please ignore"}],
    }
