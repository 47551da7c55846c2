"""The overview: is everything flowing? Stories by state, the last hour, queues, workers, and
the sources and partners that need someone. The live part refreshes itself (static/dashboard.js).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template

from services.dashboard import activity, health, queues
from shared import db as database
from shared.models import utcnow

bp = Blueprint("overview", __name__)
REFRESH_SECONDS = 10


@bp.get("/")
def index() -> Any:
    return render_template(
        "dashboard/overview.html", refresh_seconds=REFRESH_SECONDS, **overview_data()
    )


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
