"""/healthz and /metrics: no login, honest checks, Prometheus text computed from live data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.dashboard import queues
from shared.models import DeliveryState, StoryState, TranslationStatus
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source
from tests.support.pipeline import PROJECT_ROOT, wait_until


@pytest.fixture(autouse=True)
def fresh_worker_answers():
    queues.worker_cache.forget()
    yield
    queues.worker_cache.forget()


def samples(client) -> dict[tuple[str, tuple], float]:  # type: ignore[no-untyped-def]
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_answers_503_and_says_which_check_failed_without_workers(client):
    answer = client.get("/healthz")
    assert answer.status_code == 503
    checks = answer.json["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["redis"] == {"ok": True}
    assert checks["workers"]["ok"] is False
    assert (
        "no worker answers for queue(s): ingest, translate, publish" in (checks["workers"]["error"])
    )


def test_healthz_reports_a_database_that_does_not_answer(client, monkeypatch, tmp_path):
    from tests.support import services

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    services.reset_settings()
    checks = client.get("/healthz").json["checks"]
    assert checks["database"]["ok"] is False
    assert "OperationalError" in checks["database"]["error"]


def test_healthz_answers_200_when_a_worker_serves_every_queue(client, db_env, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_worker_for_all_queues(db_env, log)
    try:
        answer = wait_until(lambda: _healthy(client), timeout=60, interval=0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert answer.json["status"] == "ok"
    assert any(
        name.startswith("all-queues@") for name in answer.json["checks"]["workers"]["answered"]
    )
    # The worker logs JSON lines that name the queues it serves.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and {line["service"] for line in lines} == {"ingest+publish+translate"}


def _healthy(client):  # type: ignore[no-untyped-def]
    queues.worker_cache.forget()
    answer = client.get("/healthz")
    return answer if answer.status_code == 200 else None


def start_worker_for_all_queues(database_url: str, log: Path) -> subprocess.Popen:
    import os

    env = os.environ | {"DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "services.publish.worker",
        "worker",
        "-Q",
        "ingest,translate,publish",
        "-c",
        "1",
        "-n",
        "all-queues@%h",
        "-l",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=out)


def test_metrics_need_no_login_and_count_live_data(client, db):
    source = add_source(db)
    partner = add_partner(db)
    for number in range(3):
        story = add_story(db, source, f"S{number}", translated_after=3.0)
        add_delivery(db, story, partner, after=40.0)
    add_story(
        db,
        source,
        "Held",
        state=StoryState.NEEDS_REVIEW,
        translation_status=TranslationStatus.NEEDS_REVIEW,
    )
    dead = add_story(db, source, "Dead")
    add_delivery(db, dead, partner, DeliveryState.DEAD, error="x")

    found = samples(client)

    assert found[("syndikat_stories", (("state", "published"),))] == 4
    assert found[("syndikat_stories", (("state", "needs_review"),))] == 1
    assert found[("syndikat_stories", (("state", "received"),))] == 0
    assert found[("syndikat_qa_holds", ())] == 1
    assert found[("syndikat_deliveries", (("state", "dead"),))] == 1
    assert found[("syndikat_deliveries", (("state", "pending"),))] == 0
    assert found[("syndikat_delivery_attempts", (("outcome", "delivered"),))] == 3
    assert found[("syndikat_delivery_attempts", (("outcome", "failed"),))] == 1
    bucket = "syndikat_stage_latency_seconds_bucket"
    # Three translations took 3 s, "Held" and "Dead" 2 s each.
    assert found[(bucket, (("le", "1.0"), ("stage", "translation")))] == 0
    assert found[(bucket, (("le", "2.0"), ("stage", "translation")))] == 2
    assert found[(bucket, (("le", "5.0"), ("stage", "translation")))] == 5
    assert found[(bucket, (("le", "30.0"), ("stage", "wire_to_partner")))] == 0
    assert found[(bucket, (("le", "60.0"), ("stage", "wire_to_partner")))] == 3
    assert found[(bucket, (("le", "+Inf"), ("stage", "delivery")))] == 3
    assert found[("syndikat_stage_latency_seconds_gsum", (("stage", "translation"),))] == 13
    for queue in ("ingest", "translate", "publish"):
        assert ("syndikat_queue_depth", (("queue", queue),)) in found
        assert found[("syndikat_workers_online", (("queue", queue),))] == 0


def test_metrics_want_the_token_when_one_is_set(client, monkeypatch):
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_METRICS_TOKEN", "s3cret-token")
    services.reset_settings()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200
    assert b"syndikat_stories" in answer.data


def test_metrics_give_each_engines_usage_today_and_this_month_and_its_budget(
    client, db, clock, monkeypatch
):
    from datetime import UTC, datetime

    from services.translate import usage
    from services.translate.engines import Usage
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_ENGINE_BUDGETS", "deepl=500000,openai=2000000")
    services.reset_settings()
    clock.set_to(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    usage.record(db, "deepl", Usage(characters=1200, requests=3))
    usage.record(db, "openai", Usage(characters=300, prompt_tokens=500, completion_tokens=200))
    clock.advance(hours=24)
    usage.record(db, "deepl", Usage(characters=100, requests=1))
    db.commit()

    found = samples(client)

    def metric(name: str, engine: str, period: str) -> float:
        return found[(f"syndikat_engine_{name}", (("engine", engine), ("period", period)))]

    assert metric("characters", "deepl", "day") == 100
    assert metric("characters", "deepl", "month") == 1300
    assert metric("requests", "deepl", "month") == 4
    assert metric("prompt_tokens", "openai", "month") == 500
    assert metric("completion_tokens", "openai", "month") == 200
    assert ("syndikat_engine_characters", (("engine", "openai"), ("period", "day"))) not in found
    assert found[("syndikat_engine_budget_characters", (("engine", "deepl"),))] == 500000
