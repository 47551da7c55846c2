"""The review queue and the story page of a story the QA gate held, on a translation made by the
real pipeline (an engine that loses a number): findings as the gate stores them, sentences with
their markers, edit, edit and approve, approve — all through services.translate.review."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from services.dashboard import markers
from services.translate import pipeline
from shared import tasks
from shared.config import get_settings
from shared.models import MemoryEntry, Story, StoryEvent, StoryState, Translation
from tests.support.dashboard import HURRIED_ENGINE, LOST_NUMBER, add_story, held_story
from tests.support.factories import add_source, queued

FIXED = "Construction is to cost 1.15 billion euros."


@pytest.fixture
def held(db, monkeypatch):
    monkeypatch.setenv("SYNDIKAT_ENGINE", HURRIED_ENGINE)
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    yield held_story(db)
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()


def translation_of(db, story: Story) -> Translation:
    db.expire_all()
    version_id = db.get(Story, story.id).current_version_id
    return db.scalars(select(Translation).where(Translation.story_version_id == version_id)).one()


def unit_index(db, story: Story, german: str) -> int:
    sources = [unit["source"] for unit in translation_of(db, story).segments]
    return sources.index(german)


def test_the_queue_lists_the_held_story_with_the_gates_findings(signed_in, db, held):
    add_story(db, add_source(db, "other"), "Published long ago")

    table = signed_in.get("/review").get_data(as_text=True).split('id="review-queue"', 1)[1]

    assert "Stadtrat stimmt für neues Stadion" in table and "Published long ago" not in table
    assert "<strong>numbers</strong> · descriptions[0]: 1,15 is missing (expected 1.15)" in table
    assert f"/review/{held.id}/approve" in table


def test_the_story_page_shows_blocks_their_sentences_and_what_each_marker_stands_for(
    signed_in, db, held
):
    page = signed_in.get(f"/stories/{held.id}").get_data(as_text=True)

    qa = page.split('id="qa"', 1)[1].split("</section>", 1)[0]
    assert '<a href="#block-1">descriptions[0]</a>: 1,15 is missing (expected 1.15)' in qa
    block = page.split('id="block-1"', 1)[1].split("</tr>", 1)[0]
    assert "has-problems" in block.split(">", 1)[0]
    assert "Der Bau soll 1,15 Milliarden Euro kosten. Baubeginn ist im Herbst." in block
    assert "Construction is to cost over a billion euros. Work starts in the autumn." in block
    # The sentence with a link: its marker, what it stands for, and the English's marker.
    linked = unit_index(
        db, held, "Alle Zahlen stehen im <g1>Bauplan der Stadt</g1>, z. B. die Kosten für das Dach."
    )
    row = page.split(f'id="unit-{linked}"', 1)[1].split("</tr>", 1)[0]
    assert (
        '<mark class="marker" title="link to https://example.org/bauplan">&lt;g1&gt;</mark>' in row
    )
    assert "<code>&lt;g1&gt;</code> link to https://example.org/bauplan" in row
    marker = '<mark class="marker" title="link to https://example.org/bauplan">&lt;g1&gt;</mark>'
    assert f"the {marker}city&#39;s construction plan" in row
    assert "marker-help" in page
    # Every sentence can be edited, by the number the review module knows it by.
    lost = unit_index(db, held, LOST_NUMBER)
    form = page.split(f'id="unit-{lost}"', 1)[1].split("</form>", 1)[0]
    assert f'action="/review/{held.id}/segments/{lost}"' in form
    assert ">Construction is to cost over a billion euros.</textarea>" in form


def test_an_edit_is_stored_remembered_and_checked_again_and_the_story_stays_held(post, db, held):
    lost = unit_index(db, held, LOST_NUMBER)

    answer = post(f"/review/{held.id}/segments/{lost}", english=FIXED, then="save")

    assert answer.headers["Location"] == f"/stories/{held.id}#unit-{lost}"
    translation = translation_of(db, held)
    assert translation.segments[lost] | {} == {
        "source": LOST_NUMBER,
        "english": FIXED,
        "origin": "reviewer",
    }
    assert translation.qa == {"passed": True, "problems": []}
    assert translation.ninjs["descriptions"][0]["value"].startswith(FIXED)
    assert translation.status == "needs_review"
    assert db.get(Story, held.id).state == StoryState.NEEDS_REVIEW
    remembered = db.scalars(select(MemoryEntry).where(MemoryEntry.source == LOST_NUMBER)).all()
    assert [entry.target for entry in remembered if entry.engine == "reviewer"] == [FIXED]
    events = db.scalars(select(StoryEvent.detail).where(StoryEvent.stage == "translation_edited"))
    assert list(events) == [f"segment {lost} by editor"]
    assert queued(db, tasks.FAN_OUT) == []


def test_edit_and_approve_publishes(post, signed_in, db, held):
    lost = unit_index(db, held, LOST_NUMBER)

    post(f"/review/{held.id}/segments/{lost}", english=FIXED, then="approve")

    translation = translation_of(db, held)
    assert translation.status == "approved" and translation.qa["passed"] is True
    assert db.get(Story, held.id).state == StoryState.READY
    assert queued(db, tasks.FAN_OUT) == [{"story_version_id": translation.story_version_id}]
    page = signed_in.get(f"/stories/{held.id}").get_data(as_text=True)
    assert f"Segment {lost} saved and the story approved." in page


def test_approving_as_it_is_publishes_with_the_findings_open(post, signed_in, db, held):
    answer = post(f"/review/{held.id}/approve", next="/review")

    assert answer.headers["Location"] == "/review"
    assert translation_of(db, held).status == "approved"
    event = db.scalars(select(StoryEvent).where(StoryEvent.stage == "approved")).one()
    assert event.detail == "by editor" and event.data == {"open_qa_problems": 1}
    assert "Nothing waits for review." in signed_in.get("/review").get_data(as_text=True)


@pytest.mark.parametrize(
    ("english", "why"),
    [
        ("The <g7>plan</g7> costs 1.15 billion.", "the German has no marker &lt;g7&gt;"),
        ("   ", "the English must be a non-empty string"),
        ("x" * 5001, "the English is longer than 5000 characters"),
    ],
)
def test_a_bad_edit_is_refused_with_the_reason_and_changes_nothing(
    post, signed_in, db, held, english, why
):
    lost = unit_index(db, held, LOST_NUMBER)
    before = translation_of(db, held).segments

    post(f"/review/{held.id}/segments/{lost}", english=english, then="approve")

    assert translation_of(db, held).segments == before
    assert translation_of(db, held).status == "needs_review"
    assert f"Not done: {why}." in signed_in.get(f"/stories/{held.id}").get_data(as_text=True)


def test_review_actions_on_a_story_that_is_not_held_say_why(post, signed_in, db):
    story = add_story(db, add_source(db), "Längst veröffentlicht")

    post(f"/review/{story.id}/approve")
    post(f"/review/{story.id}/segments/99", english="Anything", then="save")

    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Not done: the translation is done, not held." in page


def test_the_edit_box_shows_plain_words_and_sends_them_back_escaped():
    stored = "Profits at <g1>AT&amp;T</g1> rose &lt; 5 percent<x2/>"
    assert markers.editable(stored) == "Profits at <g1>AT&T</g1> rose < 5 percent<x2/>"
    assert markers.from_editor(markers.editable(stored)) == stored
    shown = markers.pieces(stored, {1: "link to https://att.example", 2: "line break"})
    assert [(p.text, p.marker, p.meaning) for p in shown] == [
        ("Profits at ", False, ""),
        ("<g1>", True, "link to https://att.example"),
        ("AT&T", False, ""),
        ("</g1>", True, "link to https://att.example"),
        (" rose < 5 percent", False, ""),
        ("<x2/>", True, "line break"),
    ]
    assert re.fullmatch(r"<g3>x</g3>", markers.from_editor("<g3>x</g3>"))


def test_after_an_edit_the_reason_the_story_waits_follows_the_check(post, signed_in, db, held):
    lost = unit_index(db, held, LOST_NUMBER)
    assert db.get(Story, held.id).state_detail == "QA: 1,15 is missing (expected 1.15)"

    post(f"/review/{held.id}/segments/{lost}", english=FIXED, then="save")

    detail = "QA passed after an edit by editor; waiting for approval"
    db.expire_all()
    assert db.get(Story, held.id).state_detail == detail
    assert f"<li>{detail}</li>" in signed_in.get("/review").get_data(as_text=True)
    post(f"/review/{held.id}/segments/{lost}", english="Construction costs a lot.", then="save")
    db.expire_all()
    assert db.get(Story, held.id).state_detail == "QA: 1,15 is missing (expected 1.15)"


def test_a_refused_edit_keeps_what_was_typed_in_the_sentences_editor(post, signed_in, db, held):
    lost = unit_index(db, held, LOST_NUMBER)
    typed = "The <g7>plan</g7> costs 1.15 billion euros, says the mayor."

    answer = post(f"/review/{held.id}/segments/{lost}", english=typed, then="save")

    assert answer.headers["Location"].endswith(f"#unit-{lost}")
    page = signed_in.get(f"/stories/{held.id}").get_data(as_text=True)
    editor = page.split(f'id="unit-{lost}"', 1)[1].split("</form>", 1)[0]
    assert "Not saved; what you typed is below." in editor
    assert html.escape(typed, quote=False) in editor
    # Shown once: the next visit shows the stored English again.
    again = signed_in.get(f"/stories/{held.id}").get_data(as_text=True)
    assert html.escape(typed, quote=False) not in again
