"""What ships in deploy/ for monitoring: alert rules promtool accepts and whose unit tests pass,
a Prometheus configuration, and a Grafana dashboard whose every query names a metric the
dashboard or the API exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.api import create_app as create_api
from shared.models import DeliveryState
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source
from tests.support.pipeline import PROJECT_ROOT

PROMETHEUS = PROJECT_ROOT / "deploy" / "prometheus"
GRAFANA = PROJECT_ROOT / "deploy" / "grafana" / "syndikat.json"
METRIC_NAME = re.compile(r"\bsyndikat_[a-z_]+\b")
#: The sample names each kind of family writes besides (or instead of) its own name.
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed (Debian's prometheus package ships it)")
    return subprocess.run([tool, *args], cwd=PROMETHEUS, capture_output=True, text=True)


def test_promtool_accepts_the_alert_rules():
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_alert_rules_unit_tests_pass():
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_promtool_accepts_the_example_prometheus_configuration():
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_promised_alerts_are_there():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert {
        "SyndikatPartnerFailing",
        "SyndikatReviewQueueOld",
        "SyndikatQueueBacklog",
        "SyndikatNoWorker",
        "SyndikatEmbargoReleaseLate",
    } <= names


def test_every_query_of_the_alerts_and_the_grafana_dashboard_names_an_exposed_metric(client, db):
    exposed = _exposed_names(client, db)
    dashboard = json.loads(GRAFANA.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    queries += [rule["expr"] for rule in rules]
    used = {name for query in queries for name in METRIC_NAME.findall(query)}
    assert used, "no query names a syndikat metric"
    assert used - exposed == set()
    # and the dashboard shows the series the issue asked for
    for wanted in (
        "syndikat_stories_received_total",
        "syndikat_translations_total",
        "syndikat_partner_delivery_attempts_total",
        "syndikat_oldest_pending_delivery_age_seconds",
        "syndikat_oldest_held_story_age_seconds",
        "syndikat_api_requests_total",
        "syndikat_build_info",
    ):
        assert wanted in used


def _exposed_names(client, db) -> set[str]:  # type: ignore[no-untyped-def]
    """Every sample name the dashboard's and the API's /metrics can give, on live data."""
    source, partner = add_source(db), add_partner(db)
    add_delivery(db, add_story(db, source, "S"), partner, DeliveryState.DEAD, error="x")
    api = create_api({"TESTING": True}).test_client()
    api.get("/healthz")
    names = set()
    for text in (client.get("/metrics").get_data(True), api.get("/metrics").get_data(True)):
        for family in text_string_to_metric_families(text):
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
            names.update(sample.name for sample in family.samples)
    return names
