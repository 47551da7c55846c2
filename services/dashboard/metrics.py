"""/metrics in Prometheus format, computed from the database and Redis at scrape time.

Why at scrape time rather than counted inside the workers: the workers run as many processes on
many hosts, and per-process counters would need prometheus_client's multiprocess mode (one
directory shared by every process, so one host) or a push gateway. Everything worth showing is
already stored — timestamps on versions, translations and deliveries; states on stories and
deliveries — so any dashboard process can compute the same numbers, and gunicorn's workers
need no shared state.

Counters since ever (stories per source, translations per engine, attempts per partner and
outcome) and the ages of the oldest waiting deliveries and held stories are
`services.dashboard.metric_totals`: that module says how the counters stay monotonic although
retention prunes delivery attempts. The older window gauges (`syndikat_delivery_attempts` by
outcome in the last 15 minutes) are kept for the dashboards built on them.
Stage latencies are histograms of the items that finished a stage in the last
`LATENCY_WINDOW`; as that window slides, counts may go down, so they are exposed as gauge
histograms (`histogram_quantile(0.95, syndikat_stage_latency_seconds_bucket)` reads them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from services.dashboard import activity, metric_totals, queues
from services.translate.interface import Usage, usage
from shared import db as database
from shared import tasks
from shared.build_info import BuildInfoCollector
from shared.config import get_settings
from shared.models import Delivery, DeliveryState, StoryState, utcnow

LATENCY_WINDOW = timedelta(minutes=15)
LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)


class SyndikatCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _totals_and_ages()
        with database.session() as db:
            states = activity.stories_by_state(db)
            # Exact counts of the deliveries still in flight or given up (one index range per
            # state); finished ones grow without end and are counted per window below.
            open_deliveries = {
                state.value: db.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.state == state)
                )
                or 0
                for state in (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.DEAD)
            }
            since = utcnow() - LATENCY_WINDOW
            latencies = {
                stage: activity.stage_latencies(db, stage, since) for stage in activity.LatencyStage
            }
            attempts = activity.attempt_outcomes(db, since)
            engines_today = usage.today(db)
            engines_month = usage.this_month(db)
        yield _labelled("syndikat_stories", "Stories by state, now.", "state", states)
        yield _labelled(
            "syndikat_deliveries",
            "Deliveries not delivered (yet), by state: pending, sending, dead.",
            "state",
            open_deliveries,
        )
        yield _labelled(
            "syndikat_delivery_attempts",
            f"Delivery attempts in the last {_window()}, by outcome: delivered or failed.",
            "outcome",
            attempts,
        )
        holds = GaugeMetricFamily("syndikat_qa_holds", "Stories held by the QA gate for review.")
        holds.add_metric([], states.get(StoryState.NEEDS_REVIEW.value, 0))
        yield holds
        yield _latency_histogram(latencies)
        yield from _engine_metrics({"day": engines_today, "month": engines_month})
        yield from _broker_metrics()


def _totals_and_ages() -> Iterator[Metric]:
    now = utcnow()
    with database.read_session() as db:
        received = metric_totals.stories_received(db)
        translations = metric_totals.translations_by_engine(db)
        attempts = metric_totals.attempts_by_partner(db)
        pending_ages = metric_totals.oldest_pending_delivery_ages(db, now)
        held_ages = metric_totals.oldest_held_story_ages(db, now)
        embargo_delay = metric_totals.embargo_release_delay(db, now)
    yield _counter(
        "syndikat_stories_received",
        "Stories received since ever, by source.",
        ["source"],
        {(name,): count for name, count in received.items()},
    )
    yield _counter(
        "syndikat_translations",
        "Translations stored since ever, by engine (passthrough: "
        "English stories passed on as they came).",
        ["engine"],
        {(engine,): count for engine, count in translations.items()},
    )
    yield _counter(
        "syndikat_partner_delivery_attempts",
        "Delivery attempts since ever, by partner and outcome (delivered or failed).",
        ["partner", "outcome"],
        attempts,
    )
    yield _gauge(
        "syndikat_oldest_pending_delivery_age_seconds",
        "Per partner: seconds the oldest delivery still to go out (pending or sending, not "
        "held by an embargo) has waited since it was planned; 0 when none waits.",
        ["partner"],
        {(name,): age for name, age in pending_ages.items()},
    )
    yield _gauge(
        "syndikat_oldest_held_story_age_seconds",
        "Per source and state (needs_review, embargoed): seconds since the oldest held "
        "story's current version arrived; 0 when none is held.",
        ["source", "state"],
        held_ages,
    )
    yield _gauge(
        "syndikat_embargo_release_delay_seconds",
        "Seconds since the embargo of the oldest untried held delivery passed; 0 when none "
        "is late (the sweep releases them every few seconds).",
        [],
        {(): embargo_delay},
    )


def _counter(
    name: str, help_text: str, labels: list[str], values: Mapping[Any, int]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, help_text, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def _gauge(
    name: str, help_text: str, labels: list[str], values: Mapping[Any, float]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def _labelled(name: str, help_text: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _latency_histogram(
    latencies: dict[activity.LatencyStage, list[float]],
) -> GaugeHistogramMetricFamily:
    family = GaugeHistogramMetricFamily(
        "syndikat_stage_latency_seconds",
        f"Seconds per stage for items that finished it in the last {_window()}: translation "
        "(received to "
        "English), delivery (planned to acknowledged), wire_to_partner (received to "
        "acknowledged).",
        labels=["stage"],
    )
    for stage, values in latencies.items():
        buckets = [(str(float(le)), sum(1 for v in values if v <= le)) for le in LATENCY_BUCKETS]
        buckets.append(("+Inf", len(values)))
        family.add_metric([stage], buckets, gsum_value=sum(values))
    return family


def _engine_metrics(periods: dict[str, dict[str, Usage]]) -> Iterator[GaugeMetricFamily]:
    """Per engine: today's and this calendar month's usage (UTC), and the monthly budgets."""
    counted = {
        "characters": "Characters of German sent to each engine",
        "prompt_tokens": "Prompt tokens an LLM engine reported",
        "completion_tokens": "Completion tokens an LLM engine reported",
        "requests": "Requests made to each engine",
    }
    for counter, help_text in counted.items():
        family = GaugeMetricFamily(
            f"syndikat_engine_{counter}",
            f"{help_text}, in the current UTC day or calendar month (period).",
            labels=["engine", "period"],
        )
        for period, engines in periods.items():
            for engine, spent in sorted(engines.items()):
                family.add_metric([engine, period], getattr(spent, counter))
        yield family
    budgets = GaugeMetricFamily(
        "syndikat_engine_budget_characters",
        "Each engine's monthly budget in characters (SYNDIKAT_ENGINE_BUDGETS).",
        labels=["engine"],
    )
    for engine, budget in get_settings().engine_budgets:
        budgets.add_metric([engine], budget)
    yield budgets


def _window() -> str:
    return f"{int(LATENCY_WINDOW.total_seconds() // 60)} minutes"


def _broker_metrics() -> Iterator[GaugeMetricFamily]:
    depth = GaugeMetricFamily(
        "syndikat_queue_depth", "Tasks waiting in each queue (Redis).", labels=["queue"]
    )
    for queue, waiting in queues.queue_depths().items():
        if waiting is not None:
            depth.add_metric([queue], waiting)
    yield depth
    workers = queues.worker_cache.get()
    online = GaugeMetricFamily(
        "syndikat_workers_online", "Workers answering, per queue they consume.", labels=["queue"]
    )
    for queue in tasks.QUEUES:
        online.add_metric([queue], len(workers.serving(queue)))
    yield online


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SyndikatCollector())
    registry.register(BuildInfoCollector())
    return generate_latest(registry)
