"""A German story translated by the `openai` engine in real worker processes, configured by
environment variables alone (as `make run` is), against a local Chat Completions server."""

from __future__ import annotations

import json

import pytest

from services.ingest.push_client import push_story
from services.translate import glossary
from shared import db as database
from tests.e2e.test_wire_to_partner import delivered_status, partner_site, pipeline_env, wire
from tests.support.chat_completions import ChatCompletionsServer
from tests.support.factories import add_partner, fixture_story, new_secret
from tests.support.pipeline import Pipeline, wait_until

pytestmark = pytest.mark.e2e
__all__ = ["partner_site", "wire"]  # fixtures, used by name


def test_the_openai_engine_is_chosen_by_configuration_and_keeps_markers_and_glossary(
    db_env, db, wire, partner_site, tmp_path
):
    add_partner(db, "24hw", endpoint=partner_site.url, secret=new_secret())
    with database.session() as session:
        glossary.add_term(session, "Oberbürgermeisterin", "Mayoress")
        glossary.add_term(session, "Katrin Albers", kind="keep")
    with ChatCompletionsServer(api_key="sk-local") as chat:
        env = pipeline_env(
            db_env,
            tmp_path,
            SYNDIKAT_ENGINE="openai",
            SYNDIKAT_OPENAI_BASE_URL=chat.url,
            SYNDIKAT_OPENAI_MODEL="local-llm",
            SYNDIKAT_OPENAI_API_KEY="sk-local",
        )
        with Pipeline(env, tmp_path / "logs") as pipeline:
            answer = push_story(pipeline.api_url, "wire", wire, fixture_story("de-stadion.json"))
            assert answer.status_code == 202
            [request] = partner_site.wait_for(1)
            status = wait_until(lambda: delivered_status(pipeline.api_url, answer.json()["id"]))

    assert status["translation"]["engine"] == "openai:local-llm"
    story = json.loads(request.body)["data"]
    body = story["bodies"][0]["value"]
    assert "Mayoress Katrin Albers spoke of a" in body
    assert '<a href="https://example.org/bauplan">city\'s construction plan</a>' in body
    assert "<li><strong>Seats:</strong> 21,400</li>" in body
    [asked] = chat.segments_asked()
    assert len(asked) == 10  # the whole story in one request
