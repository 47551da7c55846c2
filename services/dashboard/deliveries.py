"""Deliveries: resend one, and the dead letters (filter by partner, replay one or all)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.dashboard.navigation import back_to
from services.publish import operations
from shared import db as database
from shared.models import Delivery, DeliveryState, Partner, Story

bp = Blueprint("deliveries", __name__)
PAGE_SIZE = 100


@bp.post("/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int) -> Any:
    try:
        with database.session() as db:
            delivery = operations.resend(db, delivery_id, requested_by=g.user.name)
            flash(f"Queued again for {delivery.partner.name} ({delivery.webhook_id}).", "success")
    except operations.OperationRefused as exc:
        flash(f"Not resent: {exc}", "error")
    return redirect(back_to("deliveries.dead_letters"))


@bp.get("/dead-letters")
def dead_letters() -> Any:
    partner_id = request.args.get("partner", type=int)
    before_id = request.args.get("before", type=int)
    with database.session() as db:
        query = (
            select(Delivery)
            .where(Delivery.state == DeliveryState.DEAD)
            .options(selectinload(Delivery.partner))
            .order_by(Delivery.id.desc())
            .limit(PAGE_SIZE + 1)
        )
        if partner_id is not None:
            query = query.where(Delivery.partner_id == partner_id)
        if before_id is not None:
            query = query.where(Delivery.id < before_id)
        rows = list(db.scalars(query))
        partners = list(db.scalars(select(Partner).order_by(Partner.name)))
        return render_template(
            "dashboard/dead_letters.html",
            letters=rows[:PAGE_SIZE],
            older=rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None,
            partners=partners,
            partner_id=partner_id,
            headlines=_headlines(db, rows),
        )


def _headlines(db: Any, rows: list[Delivery]) -> dict[Any, str]:
    ids = {row.story_id for row in rows}
    if not ids:
        return {}
    found = db.execute(select(Story.id, Story.headline, Story.uri).where(Story.id.in_(ids)))
    return {key: headline or uri for key, headline, uri in found}


@bp.post("/dead-letters/replay")
def replay() -> Any:
    partner_id = request.form.get("partner", type=int)
    try:
        with database.session() as db:
            count = operations.replay_dead(db, partner_id, requested_by=g.user.name)
        flash(f"{count} dead letters queued again.", "success")
    except operations.OperationRefused as exc:
        flash(f"Nothing replayed: {exc}", "error")
    return redirect(url_for("deliveries.dead_letters", partner=partner_id))
