"""One German story from the wire to a partner, through real processes on a real Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from services.ingest.push_client import push_story
from shared import ninjs
from tests.support.factories import add_partner, add_source, fixture_story, new_secret
from tests.support.pipeline import Pipeline, wait_until
from tests.support.receiver import Receiver

pytestmark = pytest.mark.e2e
FIXTURE_ENGINE = "tests.support.fixture_engine:FixtureEngine"


def pipeline_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SYNDIKAT_VAR_DIR": str(tmp_path / "var"),
        "SYNDIKAT_ENGINE": FIXTURE_ENGINE,
    } | extra


@pytest.fixture
def partner_site() -> Any:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def wire(db: Any) -> str:
    secret = new_secret()
    add_source(db, "wire", secret=secret, attribution="Source: Stern")
    return secret


def delivered_status(api_url: str, story_id: str) -> dict[str, Any] | None:
    status = httpx.get(f"{api_url}/v1/stories/{story_id}").json()
    states = [d["state"] for d in status["deliveries"]]
    return status if states and all(s == "delivered" for s in states) else None


def test_a_german_story_reaches_the_partner_signed_and_in_english(
    db_env, db, wire, partner_site, tmp_path
):
    partner_secret = new_secret()
    add_partner(db, "24hw", endpoint=partner_site.url, secret=partner_secret)

    with Pipeline(pipeline_env(db_env, tmp_path), tmp_path / "logs") as pipeline:
        answer = push_story(pipeline.api_url, "wire", wire, fixture_story())
        assert answer.status_code == 202
        [request] = partner_site.wait_for(1)
        status = wait_until(lambda: delivered_status(pipeline.api_url, answer.json()["id"]))

    event = Webhook(partner_secret).verify(request.body.decode(), request.headers)
    assert event["type"] == "story.published"
    story = event["data"]
    assert ninjs.problems(story) == []
    assert story["uri"] == "urn:syndikat:test:rathaus"
    assert story["language"] == "en"
    assert ninjs.main_headline(story) == "The town hall stays closed on Monday"
    assert story["bodies"][0]["value"] == (
        "<p>The town hall stays closed on Monday.</p>\n"
        "<p>The citizens' offices open on Tuesday at 8 a.m.</p>"
    )
    assert story["copyrightnotice"] == "Source: Stern"
    assert status["state"] == "published"
    assert status["translation"]["engine"] == "fixture"
    assert request.headers["webhook-id"] == status["deliveries"][0]["webhook_id"]
    stages = [event["stage"] for event in status["timeline"]]
    assert stages[:4] == ["received", "language", "translating", "translated"]
    assert "delivered" in stages


def test_an_english_story_passes_through_while_german_waits_for_a_missing_model(
    db_env, db, wire, partner_site, tmp_path
):
    partner_secret = new_secret()
    add_partner(db, "24hw", endpoint=partner_site.url, secret=partner_secret)
    env = pipeline_env(
        db_env, tmp_path, SYNDIKAT_ENGINE="local", SYNDIKAT_MODEL_DIR=str(tmp_path / "no-model")
    )

    with Pipeline(env, tmp_path / "logs") as pipeline:
        german = push_story(pipeline.api_url, "wire", wire, fixture_story()).json()
        english = push_story(pipeline.api_url, "wire", wire, fixture_story("en-library.json"))
        [request] = partner_site.wait_for(1)
        waiting = wait_until(lambda: _in_state(pipeline.api_url, german["id"], "awaiting_engine"))

    story = Webhook(partner_secret).verify(request.body.decode(), request.headers)["data"]
    assert story["uri"] == "urn:syndikat:test:library"
    assert ninjs.main_headline(story) == "City library extends its opening hours"
    assert english.status_code == 202
    assert "syndikat models install" in waiting["state_detail"]
    assert waiting["deliveries"] == []
    assert len(partner_site.requests) == 1  # German never went out as English


def _in_state(api_url: str, story_id: str, state: str) -> dict[str, Any] | None:
    status = httpx.get(f"{api_url}/v1/stories/{story_id}").json()
    return status if status["state"] == state else None


def test_a_story_that_waited_for_a_model_is_translated_by_it_once_installed(
    db_env, db, wire, partner_site, tmp_path
):
    from shared import tasks
    from shared.celery_app import celery_app
    from tests.support.tiny_model import build_tiny_model

    partner_secret = new_secret()
    add_partner(db, "24hw", endpoint=partner_site.url, secret=partner_secret)
    model_dir = tmp_path / "model"
    env = pipeline_env(
        db_env,
        tmp_path,
        SYNDIKAT_ENGINE="local",
        SYNDIKAT_MODEL_DIR=str(model_dir),
        # Tried again as soon as asked, not a minute after it began to wait.
        SYNDIKAT_ENGINE_RETRY_FIRST_DELAY="0.01",
    )
    doc = fixture_story(
        uri="urn:syndikat:test:tiny",
        headlines=[{"role": "main", "value": "Hallo Welt"}],
        descriptions=[],
        bodies=[{"contenttype": "text/html", "value": "<p>Guten Morgen Berlin</p>"}],
    )

    with Pipeline(env, tmp_path / "logs") as pipeline:
        story_id = push_story(pipeline.api_url, "wire", wire, doc).json()["id"]
        wait_until(lambda: _in_state(pipeline.api_url, story_id, "awaiting_engine"))
        build_tiny_model(model_dir)
        celery_app.send_task(tasks.RETRY_WAITING_TRANSLATIONS)
        [request] = partner_site.wait_for(1)
        status = wait_until(lambda: delivered_status(pipeline.api_url, story_id))

    story = Webhook(partner_secret).verify(request.body.decode(), request.headers)["data"]
    assert ninjs.main_headline(story) == "Hello world"
    assert story["bodies"][0]["value"] == "<p>Good morning Berlin</p>"
    assert status["translation"]["engine"].startswith("local:")
