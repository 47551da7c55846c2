"""Deliveries: resend one, and the dead letters (filter by partner and time, replay one or all).

Resending and replaying are the publish service's (`services.publish.interface`), as in
`syndikat deliveries replay` and the partner API: same webhook-id, fresh retries, never over a
later version of the story.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.dashboard import audit_trail
from services.dashboard.formatting import counted, since_time
from services.dashboard.messages import say
from services.dashboard.navigation import back_to
from services.dashboard.roles import requires
from services.publish import interface as publish
from shared import audit
from shared import db as database
from shared.models import Delivery, DeliveryState, Partner, Role, Story, utcnow

bp = Blueprint("deliveries", __name__)
PAGE_SIZE = 100
#: Skipped replays named one by one in the message; the rest are counted.
SKIPS_SHOWN = 3


@bp.post("/deliveries/<int:delivery_id>/resend")
@requires(Role.EDITOR)
def resend(delivery_id: int) -> Any:
    with database.session() as db:
        delivery = db.get(Delivery, delivery_id)
        if delivery is None:
            say("Not resent: there is no such delivery.", "error")
            return redirect(back_to("deliveries.dead_letters"))
        try:
            publish.replay_delivery(db, delivery, utcnow(), requested_by=g.user.name)
        except publish.ReplayRefused as exc:
            say(f"Not resent: {exc}.", "error")
        else:
            partner = delivery.partner
            target = audit.Target("delivery", delivery.id, partner.name)
            audit_trail.record(db, "delivery.resend", target, detail=delivery.webhook_id)
            waits = "" if partner.enabled else f" {partner.name} is disabled: it goes once enabled."
            say(f"Queued again for {partner.name} ({delivery.webhook_id}).{waits}", "success")
    return redirect(back_to("deliveries.dead_letters"))


@bp.get("/dead-letters")
def dead_letters() -> Any:
    partner_id = request.args.get("partner", type=int)
    before_id = request.args.get("before", type=int)
    since_text = request.args.get("since", "").strip()[:100]
    error: str | None
    try:
        since = since_time(since_text)
    except publish.InvalidTime as exc:
        since, error = None, str(exc)
    else:
        error = None
    with database.session() as db:
        rows = list(db.scalars(_dead_letters(partner_id, since, before_id)))
        page = render_template(
            "dashboard/dead_letters.html",
            letters=rows[:PAGE_SIZE],
            older=rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None,
            partners=list(db.scalars(select(Partner).order_by(Partner.name))),
            partner_id=partner_id,
            since=since_text,
            since_at=since,
            error=error,
            headlines=_headlines(db, rows),
        )
    return page, 400 if error else 200


def _dead_letters(partner_id: int | None, since: datetime | None, before_id: int | None) -> Any:
    query = (
        select(Delivery)
        .where(Delivery.state == DeliveryState.DEAD)
        .options(selectinload(Delivery.partner))
        .order_by(Delivery.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if partner_id is not None:
        query = query.where(Delivery.partner_id == partner_id)
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    if before_id is not None:
        query = query.where(Delivery.id < before_id)
    return query


def _headlines(db: Session, rows: list[Delivery]) -> dict[Any, str]:
    ids = {row.story_id for row in rows}
    if not ids:
        return {}
    found = db.execute(select(Story.id, Story.headline, Story.uri).where(Story.id.in_(ids)))
    return {key: headline or uri for key, headline, uri in found}


@bp.post("/dead-letters/replay")
@requires(Role.EDITOR)
def replay_all() -> Any:
    partner_id = request.form.get("partner", type=int)
    since_text = request.form.get("since", "").strip()[:100]
    back = url_for("deliveries.dead_letters", partner=partner_id, since=since_text or None)
    try:
        since = since_time(since_text)
    except publish.InvalidTime as exc:
        say(f"Nothing replayed: {exc}.", "error")
        return redirect(back)
    with database.session() as db:
        partner = db.get(Partner, partner_id) if partner_id is not None else None
        if partner_id is not None and partner is None:
            say("Nothing replayed: there is no such partner.", "error")
            return redirect(url_for("deliveries.dead_letters"))
        report = publish.replay_failed(db, partner, since, utcnow(), requested_by=g.user.name)
        target = audit.Target("partner", partner_id, partner.name if partner else "every partner")
        detail = f"{len(report.replayed)} replayed, {len(report.skipped)} skipped" + (
            f", failed since {since.isoformat()}" if since else ""
        )
        audit_trail.record(db, "delivery.replay", target, detail=detail)
        say(_replay_summary(report, partner), "success" if report.replayed else "info")
    return redirect(back)


def _replay_summary(report: publish.ReplayReport, partner: Partner | None) -> str:
    whose = f" to {partner.name}" if partner else ""
    replayed = counted(len(report.replayed), "failed delivery", "failed deliveries")
    parts = [f"{replayed}{whose} queued again."]
    for delivery_id, why in report.skipped[:SKIPS_SHOWN]:
        parts.append(f"Delivery {delivery_id} not replayed: {why}.")
    if len(report.skipped) > SKIPS_SHOWN:
        parts.append(f"{len(report.skipped) - SKIPS_SHOWN} more not replayed.")
    if partner is not None and not partner.enabled:
        parts.append(f"{partner.name} is disabled: they go once it is enabled again.")
    return " ".join(parts)
