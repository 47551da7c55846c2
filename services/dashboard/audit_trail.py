"""Recording dashboard actions in the audit log: the signed-in user and their address.

audit_trail.record(db, "partner.update", audit.Target("partner", p.id, p.name), before, after)
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy.orm import Session

from shared import audit
from shared.models import AuditEvent


def record(
    db: Session,
    action: str,
    target: audit.Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    detail: str | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """`shared.audit.record` as the signed-in user, from the client's address (behind trusted
    proxies, the forwarded one: see security.trust_proxies)."""
    return audit.record(
        db,
        actor or g.user.name,
        action,
        target,
        before,
        after,
        address=request.remote_addr,
        detail=detail,
    )
