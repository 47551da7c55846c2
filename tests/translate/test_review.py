"""A story the QA gate held: not published; a reviewer edits and approves it through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from services.translate import pipeline
from shared import tasks
from shared.models import MemoryEntry, Story, StoryEvent, Translation
from tests.support.api import management_client
from tests.support.factories import queued, store_story
from tests.support.tiny_model import build_tiny_model

GERMAN = "Guten Morgen, die Regierung und der Bundestag beraten heute über das Wetter in Hamburg."
EDITED = "Good morning, the government and the Bundestag discuss the weather in Hamburg today."


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def client(db_env):
    return management_client()


def story(version: str = "1") -> dict:
    # The tiny model translates "Hallo Welt" but copies most of GERMAN: German stays German.
    return {
        "uri": "urn:syndikat:test:review",
        "version": version,
        "language": "de",
        "headlines": [{"role": "main", "value": "Hallo Welt"}],
        "bodies": [{"contenttype": "text/html", "value": f"<p>{GERMAN}</p>"}],
    }


@pytest.fixture
def held(db, settings, tiny_model) -> str:
    settings(SYNDIKAT_ENGINE="local", SYNDIKAT_MODEL_DIR=str(tiny_model))
    version_id = store_story(db, story())
    assert pipeline.translate_version(version_id) == "needs review"
    return str(db.scalars(select(Story.id)).one())


def test_a_held_story_is_not_published_and_says_why(db, held, client):
    story_row = db.scalars(select(Story)).one()
    translation = db.scalars(select(Translation)).one()

    assert story_row.state == "needs_review"
    assert "still German" in story_row.state_detail
    assert translation.status == "needs_review"
    assert translation.qa["passed"] is False
    assert [p["check"] for p in translation.qa["problems"]] == ["language"]
    assert queued(db, tasks.FAN_OUT) == []
    assert client.get("/v1/review").get_json() == {
        "stories": [{"id": held, "headline": "Hallo Welt", "reason": story_row.state_detail}]
    }


def test_a_reviewer_edits_a_sentence_and_approves_and_publishing_is_queued(db, held, client):
    shown = client.get(f"/v1/stories/{held}/translation").get_json()
    assert [s["source"] for s in shown["segments"]] == ["Hallo Welt", GERMAN]

    edited = client.put(
        f"/v1/stories/{held}/translation/segments/1", json={"english": EDITED, "reviewer": "ana"}
    )
    approved = client.post(f"/v1/stories/{held}/translation/approve", json={"reviewer": "ana"})

    assert edited.status_code == 200
    assert edited.get_json()["qa"] == {"passed": True, "problems": []}
    assert edited.get_json()["english"]["bodies"][0]["value"] == f"<p>{EDITED}</p>"
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert db.scalars(select(Story.state)).one() == "ready"
    version_id = db.scalars(select(Translation.story_version_id)).one()
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": version_id}]
    stages = list(db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)))
    assert stages[-3:] == ["needs_review", "translation_edited", "approved"]


def test_the_reviewers_english_wins_over_the_engine_in_the_next_version(db, held, client):
    client.put(
        f"/v1/stories/{held}/translation/segments/1", json={"english": EDITED, "reviewer": "ana"}
    )

    version_2 = store_story(db, story("2"))
    assert pipeline.translate_version(version_2) == "translated"

    english = db.scalars(select(Translation).where(Translation.story_version_id == version_2)).one()
    assert english.ninjs["bodies"][0]["value"] == f"<p>{EDITED}</p>"
    assert [u["origin"] for u in english.segments] == ["memory", "reviewer"]
    assert db.scalars(select(MemoryEntry.engine).where(MemoryEntry.target == EDITED)).one() == (
        "reviewer"
    )


def test_approving_without_edits_releases_the_story_as_it_is(db, held, client):
    answer = client.post(f"/v1/stories/{held}/translation/approve", json={"reviewer": "ben"})

    assert answer.status_code == 200
    assert len(queued(db, tasks.FAN_OUT)) == 1
    again = client.post(f"/v1/stories/{held}/translation/approve", json={"reviewer": "ben"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("segments/7", {"english": "x", "reviewer": "ana"}, 404),
        ("segments/1", {"english": "  ", "reviewer": "ana"}, 422),
        ("segments/1", {"english": "A <g3>link</g3>", "reviewer": "ana"}, 422),
        ("segments/1", {"english": "fine"}, 422),
        ("approve", {}, 422),
    ],
)
def test_bad_review_requests_get_clear_errors_and_change_nothing(
    db, held, client, path, body, status
):
    method = client.post if path == "approve" else client.put
    before = db.scalars(select(Translation.ninjs)).one()

    answer = method(f"/v1/stories/{held}/translation/{path}", json=body)

    assert answer.status_code == status
    assert answer.get_json()["error"]["message"]
    assert db.scalars(select(Translation.ninjs)).one() == before
    assert db.scalars(select(Translation.status)).one() == "needs_review"


def test_unknown_stories_are_404(client):
    assert client.get("/v1/stories/not-a-uuid/translation").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        client.post(
            f"/v1/stories/{missing}/translation/approve", json={"reviewer": "a"}
        ).status_code
        == 404
    )
