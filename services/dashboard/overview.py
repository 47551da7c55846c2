"""The overview: is everything flowing? Stories by state, the last hour, queues, workers, and
the sources and partners that need someone. The live part refreshes itself (static/dashboard.js).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template

from services.dashboard import activity, health, queues
from services.translate.interface import Usage, engine_chain, usage
from shared import db as database
from shared.config import get_settings
from shared.models import utcnow

bp = Blueprint("overview", __name__)
REFRESH_SECONDS = 10


@bp.get("/")
def index() -> Any:
    return render_template(
        "dashboard/overview.html",
        refresh_seconds=REFRESH_SECONDS,
        engines=engine_usage(),
        **overview_data(),
    )


def engine_usage() -> list[dict[str, Any]]:
    """Each engine's characters today and this month against its budget, tokens and requests."""
    settings = get_settings()
    with database.read_session() as db:
        today, month = usage.today(db), usage.this_month(db)
    rows = []
    for engine in dict.fromkeys([*engine_chain(settings), *month]):
        spent = month.get(engine) or Usage()
        budget = settings.monthly_budget(engine)
        rows.append(
            {
                "engine": engine,
                "today": (today.get(engine) or Usage()).characters,
                "month": spent,
                "budget": budget,
                "spent": budget is not None and spent.characters >= budget,
            }
        )
    return rows


@bp.get("/overview/live")
def live() -> Any:
    return render_template("dashboard/_overview_live.html", **overview_data())


def overview_data() -> dict[str, Any]:
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    with database.session() as db:
        partners = health.partner_health(db, now)
        data: dict[str, Any] = {
            "states": activity.stories_by_state(db),
            "hour": activity.throughput(db, hour_ago),
            "latency": {
                stage: _summary(activity.stage_latencies(db, stage, hour_ago))
                for stage in (
                    activity.LatencyStage.TRANSLATION,
                    activity.LatencyStage.WIRE_TO_PARTNER,
                )
            },
            "sources": [s for s in health.source_health(db) if s.needs_attention],
            "partners": [p for p in partners if p.failing],
            # Every dead letter belongs to a partner: no second count of the table.
            "dead_letters": sum(p.dead for p in partners),
        }
    data["queues"] = queues.queue_depths()
    data["workers"] = queues.worker_cache.get()
    data["now"] = now
    return data


def _summary(values: list[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50": activity.percentile(values, 0.5),
        "p95": activity.percentile(values, 0.95),
    }
