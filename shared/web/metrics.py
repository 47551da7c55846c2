"""The API's own request metrics, and the bearer-token guard every /metrics shares.

Per request: a counter by route, method and status, and a latency histogram by route and method
(`syndikat_api_requests_total`, `syndikat_api_request_duration_seconds`). The route is Flask's
rule (`/v1/partners/<name>`), never the path, so a label never carries an id or a token.

The API runs as several gunicorn worker processes, and a scrape reaches one of them. When
PROMETHEUS_MULTIPROC_DIR is set (prometheus-client's own variable; `syndikat run` sets it for
the API), every process writes its values to files there and /metrics sums them all
(prometheus-client's multiprocess mode); without it each process answers with its own counts,
which is right for a single process (tests, `flask run`).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from shared.build_info import BuildInfoCollector
from shared.config import get_settings

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

if os.environ.get(MULTIPROCESS_DIRECTORY):  # prometheus-client writes there, and wants it made
    os.makedirs(os.environ[MULTIPROCESS_DIRECTORY], exist_ok=True)

_requests_registry = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "syndikat_api_requests",
    "API requests answered, by route, method and status.",
    ["route", "method", "status"],
    registry=_requests_registry,
)
LATENCY = Histogram(
    "syndikat_api_request_duration_seconds",
    "Seconds the API took to answer, by route and method.",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
    registry=_requests_registry,
)


def init_app(app: Flask) -> None:
    app.before_request(_start_clock)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", lambda: guarded(render_requests))


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is None or request.endpoint == "metrics":
        return response
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
    return response


def render_requests() -> bytes:
    """The request metrics of every API process (or of this one), then the build info."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(_requests_registry)
    return body + generate_latest(_build_registry())


def _build_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BuildInfoCollector())
    return registry


def guarded(render: Callable[[], bytes]) -> Response:
    """/metrics as Prometheus text; with SYNDIKAT_METRICS_TOKEN set, only for that bearer."""
    token = get_settings().metrics_token.get_secret_value()
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response("bearer token required\n", 401, {"WWW-Authenticate": "Bearer"})
    return Response(render(), mimetype=CONTENT_TYPE_LATEST)
