"""The audit log: one call records who changed what, in the same transaction as the change.

Every service, the CLI and the dashboard record through `record`, inside the database session
that makes the change, so the entry is committed with it or not at all::

    from shared import audit

    with database.session() as db:
        before = describe(delivery)
        cancel(delivery)
        audit.record(
            db, actor="anna", action="delivery.cancel",
            target=audit.Target("delivery", delivery.id, partner.name),
            before=before, after=describe(delivery), detail="partner asked us to stop",
        )

Actors: a dashboard user's name, `API_ACTOR` for the management API's bearer token, and
`cli_actor()` ("cli:<unix user>") for `syndikat …` commands. `before`/`after` come from the
services' `describe` functions, which never contain a secret; only the fields that differ are
kept.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import AuditEvent, utcnow

API_ACTOR = "api"
#: Longest `detail` kept; a reason typed into a form is never longer in practice.
MAX_DETAIL = 2000


class Target(NamedTuple):
    """What an action was done to: its kind ("partner", "delivery", ...), id and a name."""

    kind: str
    id: object | None = None
    name: str | None = None


def record(
    db: Session,
    actor: str,
    action: str,
    target: Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    address: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add one entry to the audit log in `db`'s transaction (committed with the change)."""
    if before is not None and after is not None:
        before, after = changed_fields(before, after)
    event = AuditEvent(
        at=utcnow(),
        actor=actor[:100],
        action=action[:50],
        target_kind=target.kind[:30],
        target_id=None if target.id is None else str(target.id)[:100],
        target_name=None if target.name is None else target.name[:300],
        before=before,
        after=after,
        address=address[:100] if address else None,
        detail=detail[:MAX_DETAIL] if detail else None,
    )
    db.add(event)
    return event


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs, so an entry says what the change was rather than the whole record."""
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return (
        {key: before.get(key) for key in keys if key in before},
        {key: after.get(key) for key in keys if key in after},
    )


def cli_actor() -> str:
    """Who ran a `syndikat` command: the Unix user, as "cli:<name>"."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli:unknown"


def events(
    db: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Entries newest first; `action` matches a prefix ("partner." is every partner action),
    `target` a kind, a kind:id or a name."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if target:
        query = query.where(_target_matches(target))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.scalars(query))


def _target_matches(target: str) -> Any:
    kind, sep, ident = target.partition(":")
    if sep:
        return (AuditEvent.target_kind == kind) & (AuditEvent.target_id == ident)
    return (AuditEvent.target_kind == target) | (AuditEvent.target_name == target)


def record_from_api(
    db: Session,
    action: str,
    target: Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    detail: str | None = None,
) -> AuditEvent:
    """`record` for the management API: the actor is its bearer token ("api"), the address the
    client's (behind trusted proxies, the forwarded one)."""
    from flask import request  # only the API calls this; workers need no Flask request

    return record(
        db, API_ACTOR, action, target, before, after, address=request.remote_addr, detail=detail
    )
