"""/healthz and /metrics: for load balancers, container health checks and Prometheus.

Both answer without a login, like the API's /healthz: they are meant for the internal network
and show counts and check results, never story content. Set SYNDIKAT_METRICS_TOKEN to make
/metrics want a bearer token as well.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from services.dashboard import metrics, queues
from shared import db as database
from shared.web.metrics import guarded

bp = Blueprint("monitoring", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    checks = {"database": _check_database(), "redis": _check_redis(), "workers": _check_workers()}
    healthy = all(check["ok"] for check in checks.values())
    return jsonify(status="ok" if healthy else "failing", checks=checks), 200 if healthy else 503


def _check_database() -> dict[str, Any]:
    try:
        with database.session() as db:
            db.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"ok": False, "error": _short(exc)}
    return {"ok": True}


def _check_redis() -> dict[str, Any]:
    try:
        queues.broker().ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": _short(exc)}
    return {"ok": True}


def _check_workers() -> dict[str, Any]:
    workers = queues.worker_cache.get()
    missing = workers.queues_without_worker()
    result: dict[str, Any] = {
        "ok": not missing and workers.error is None,
        "answered": sorted(workers.answered),
        "checked_at": workers.checked_at.isoformat(timespec="seconds"),
    }
    if missing:
        result["error"] = f"no worker answers for queue(s): {', '.join(missing)}"
    if workers.error:
        result["error"] = workers.error
    return result


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"


@bp.get("/metrics")
def metrics_page() -> Any:
    return guarded(metrics.render)
