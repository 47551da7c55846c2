"""The publish queue: every delivery still to go out (or dead), across stories and partners.

Filters by partner, state, event, source and time; resend or cancel one delivery or a selection.
The list refreshes itself (`/queue/rows`, a fragment dashboard.js fetches every few seconds).
The work is the publish service's (`services.publish.interface`); this page only asks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.dashboard import audit_trail
from services.dashboard.formatting import since_time
from services.dashboard.messages import say
from services.dashboard.navigation import back_to
from services.dashboard.roles import requires
from services.publish import interface as publish
from shared import audit
from shared import db as database
from shared.models import DeliveryEvent, Role, Source, utcnow

bp = Blueprint("queue", __name__)
log = logging.getLogger(__name__)
#: Rows shown at once; filters narrow the rest.
PAGE_SIZE = 200
#: How often the list refreshes itself, in seconds.
REFRESH_SECONDS = 5
#: Deliveries named one by one in a bulk action's message; the rest are counted.
SKIPS_SHOWN = 3
#: The events an operator can filter by (a connection test is never stored).
EVENTS = tuple(event.value for event in DeliveryEvent if event != DeliveryEvent.TEST)
#: The query arguments the filters use, carried into the refresh URL and back after actions.
FILTER_ARGS = ("partner", "state", "event", "source", "time", "since", "until")


@dataclass(frozen=True)
class Filters:
    wanted: publish.QueueFilter
    args: dict[str, Any]
    error: str | None = None


def audit_action(db: Session, action: str, delivery_ids: list[int], why: str | None = None) -> None:
    """The one place each queue action is noted (who, what, which deliveries, why): the audit
    log, in the action's own transaction, one entry per delivery; the delivery and its story's
    timeline keep who and why too (`services.publish.queue`)."""
    for delivery_id in delivery_ids:
        target = audit.Target("delivery", delivery_id, None)
        audit_trail.record(db, action, target, detail=why or None)
    log.info(
        "%s by %s: deliveries %s%s",
        action,
        g.user.name,
        ", ".join(map(str, delivery_ids)),
        f" ({why})" if why else "",
        extra={"user": g.user.name, "action": action, "delivery_ids": delivery_ids},
    )


@bp.get("/queue")
def index() -> Any:
    filters = _filters()
    with database.session() as db:
        page = render_template(
            "dashboard/queue.html",
            **_rows_context(db, filters),
            partners=publish.partner_names(db),
            sources=list(db.execute(select(Source.id, Source.name).order_by(Source.name))),
            counts=publish.counts_per_partner(db, utcnow()),
            states=[state.value for state in publish.QueueState],
            events=EVENTS,
            refresh_seconds=REFRESH_SECONDS,
        )
    return page, 400 if filters.error else 200


@bp.get("/queue/rows")
def rows() -> Any:
    """The list alone, for the page's refresh."""
    filters = _filters()
    with database.session() as db:
        return render_template("dashboard/_queue_rows.html", **_rows_context(db, filters))


def _rows_context(db: Any, filters: Filters) -> dict[str, Any]:
    found = [] if filters.error else publish.list_queue(db, filters.wanted, utcnow(), PAGE_SIZE + 1)
    return {
        "rows": found[:PAGE_SIZE],
        "more": len(found) > PAGE_SIZE,
        "filters": filters.args,
        "error": filters.error,
        "queue_url": url_for("queue.index", **filters.args),
        "now": utcnow(),
    }


def _filters() -> Filters:
    args: dict[str, Any] = {n: request.args.get(n, "").strip()[:100] for n in FILTER_ARGS}
    args = {name: value for name, value in args.items() if value}
    try:
        wanted = publish.QueueFilter(
            partner_id=_number(args.get("partner"), "partner"),
            states=(
                (publish.QueueState(args["state"]),)
                if "state" in args
                else publish.OPEN_QUEUE_STATES
            ),
            event=_choice(args.get("event"), EVENTS, "event"),
            source_id=_number(args.get("source"), "source"),
            time_field=publish.TimeField(args.get("time", publish.TimeField.CREATED)),
            since=since_time(args.get("since", "")),
            until=since_time(args.get("until", "")),
        )
    except (ValueError, publish.InvalidTime) as exc:
        return Filters(publish.QueueFilter(), args, _plain(exc))
    return Filters(wanted, args)


def _number(text: str | None, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"the {what} is chosen from the list")
    return int(text)


def _choice(text: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if text and text not in allowed:
        raise ValueError(f"the {what} is one of {', '.join(allowed)}")
    return text or None


def _plain(exc: Exception) -> str:
    text = str(exc)
    if "is not a valid" in text:  # an enum's own message names the class, not the field
        return f"not a known choice: {text.split(' is not')[0]}"
    return text


@bp.post("/queue/<int:delivery_id>/cancel")
@requires(Role.EDITOR)
def cancel(delivery_id: int) -> Any:
    why = request.form.get("reason", "")
    with database.session() as db:
        try:
            delivery = publish.cancel_delivery(db, delivery_id, utcnow(), g.user.name, why)
        except publish.CancelRefused as exc:
            say(f"Not canceled: {exc}.", "error")
        else:
            audit_action(db, "delivery.cancel", [delivery_id], why)
            say(f"Canceled {delivery.event} to {delivery.partner.name}.", "success")
    return redirect(back_to("queue.index"))


@bp.post("/queue/<int:delivery_id>/resend")
@requires(Role.EDITOR)
def resend(delivery_id: int) -> Any:
    with database.session() as db:
        report = publish.resend_many(db, [delivery_id], utcnow(), g.user.name)
        if report.done:
            audit_action(db, "delivery.resend", report.done)
            say(f"Delivery {delivery_id} queued again (same webhook-id).", "success")
        else:
            say(f"Not resent: {report.skipped[0][1]}.", "error")
    return redirect(back_to("queue.index"))


@bp.post("/queue/bulk")
@requires(Role.EDITOR)
def bulk() -> Any:
    ids = sorted({int(text) for text in request.form.getlist("ids") if text.isdigit()})
    action = request.form.get("action")
    why = request.form.get("reason", "")
    if not ids:
        say("Nothing done: select deliveries first.", "error")
        return redirect(back_to("queue.index"))
    with database.session() as db:
        if action == "cancel":
            if not why.strip():
                say("Nothing canceled: say why they are canceled.", "error")
                return redirect(back_to("queue.index"))
            report = publish.cancel_many(db, ids, utcnow(), g.user.name, why)
            audit_action(db, "delivery.cancel", report.done, why)
            say(_summary(report, "canceled"), "success" if report.done else "error")
        elif action == "resend":
            report = publish.resend_many(db, ids, utcnow(), g.user.name)
            audit_action(db, "delivery.resend", report.done)
            say(_summary(report, "queued again"), "success" if report.done else "error")
        else:
            say("Nothing done: choose resend or cancel.", "error")
    return redirect(back_to("queue.index"))


def _summary(report: publish.BulkReport, done: str) -> str:
    count = len(report.done)
    parts = [f"{count} deliver{'y' if count == 1 else 'ies'} {done}."]
    for delivery_id, why in report.skipped[:SKIPS_SHOWN]:
        parts.append(f"Delivery {delivery_id} not: {why}.")
    if len(report.skipped) > SKIPS_SHOWN:
        parts.append(f"{len(report.skipped) - SKIPS_SHOWN} more not.")
    return " ".join(parts)
