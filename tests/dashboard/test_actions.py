"""The dashboard's pages and buttons on live data: overview, partners, sources, dead letters,
review queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.dashboard import review_actions
from shared.models import (
    Delivery,
    DeliveryState,
    OutboxMessage,
    Partner,
    Source,
    StoryState,
    TranslationStatus,
    utcnow,
)
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.receiver import Receiver


def fresh(db, model, key):  # type: ignore[no-untyped-def]
    """The row as the dashboard left it, not this session's copy."""
    db.expire_all()
    return db.get(model, key)


def section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_the_overview_counts_states_the_last_hour_and_what_needs_attention(signed_in, db):
    source = add_source(db, "wire")
    add_source(db, "sleepy", created_at=utcnow() - timedelta(days=2))
    good, bad = add_partner(db, "good"), add_partner(db, "bad")
    for number in range(3):
        story = add_story(db, source, f"Story {number}", translated_after=4.0)
        add_delivery(db, story, good, after=10.0)
    add_story(db, source, "Held", state=StoryState.NEEDS_REVIEW)
    old = add_story(db, source, "Old", received=utcnow() - timedelta(hours=3))
    add_delivery(db, old, bad, DeliveryState.DEAD, error="HTTP 410: gone", attempts=2)

    page = signed_in.get("/").get_data(as_text=True)

    states = section(page, "states")
    assert 'state-published">published</span></a></td>\n        <td class="num">4<' in states
    assert 'state-needs_review">needs review</span></a></td>\n        <td class="num">1<' in states
    hour = section(page, "last-hour")
    assert "<dt>received</dt><dd>4</dd>" in hour  # "Old" came three hours ago
    assert "<dt>delivered</dt><dd>3</dd>" in hour
    assert '<dt>failed attempts</dt><dd class="">0</dd>' in hour
    assert "<td>wire → English</td><td>4.0 s</td>" in hour
    assert "<td>wire → partner</td><td>10 s</td>" in hour
    attention = section(page, "attention")
    assert "1 stories wait for review" in attention
    assert "1 dead letters" in attention
    assert "bad</a>: 0 retrying, 1 dead — HTTP 410: gone" in attention
    assert "sleepy</a> is quiet" in attention
    assert "wire</a> is quiet" not in attention
    assert 'data-refresh="/overview/live"' in page


def test_the_overview_shows_queue_depths_from_redis(signed_in, redis_url):
    from shared.celery_app import celery_app

    before = signed_in.get("/overview/live").get_data(as_text=True)
    # Nobody consumes this run's queues: the messages wait, one at a raised priority.
    celery_app.send_task("syndikat.translate.nothing", kwargs={})
    celery_app.send_task("syndikat.translate.nothing", kwargs={}, priority=5)
    after = signed_in.get("/overview/live").get_data(as_text=True)
    from services.dashboard import queues

    depth = queues.queue_depths()["translate"]
    queues.broker().delete(*queues.queue_keys("translate", queues.get_settings().redis_key_prefix))
    assert depth >= 2
    assert f'<td>translate</td>\n        <td class="num">{depth}</td>' in after
    assert "<td>translate</td>" in before


def test_partners_show_their_health_and_can_be_disabled_and_enabled(signed_in, post, db):
    partner = add_partner(db, "24hw")
    story = add_story(db, add_source(db), "Hafen")
    add_delivery(db, story, partner, DeliveryState.PENDING, error="timed out", attempts=2)
    row = signed_in.get("/partners").get_data(as_text=True).split('id="partner-', 2)[1]
    assert "24hw" in row and "timed out" in row and 'class="num warn">1<' in row

    answer = post(f"/partners/{partner.id}/disable", reason="site rebuild")
    assert answer.status_code == 302
    assert fresh(db, Partner, partner.id).disabled_reason == "site rebuild"
    assert "site rebuild" in signed_in.get("/partners").get_data(as_text=True)
    post(f"/partners/{partner.id}/enable")
    assert fresh(db, Partner, partner.id).enabled is True


def test_the_test_button_reports_what_the_partner_answered(signed_in, post, db):
    with Receiver() as site:
        partner = add_partner(db, endpoint=site.url, secret=new_secret())
        post(f"/partners/{partner.id}/test")
        site.wait_for(1)
    page = signed_in.get("/partners").get_data(as_text=True)
    assert "Test delivery accepted (HTTP 200)." in page


def test_sources_show_when_they_last_sent_and_can_be_disabled(signed_in, post, db):
    source = add_source(db, "stern")
    add_story(db, source, "Neu")
    page = signed_in.get("/sources").get_data(as_text=True)
    assert "stern" in page and 'class="num">1<' in page and "quiet</span>" not in page
    post(f"/sources/{source.id}/disable")
    assert fresh(db, Source, source.id).enabled is False
    assert "stern disabled." in signed_in.get("/sources").get_data(as_text=True)


def test_dead_letters_filter_by_partner_and_replay(signed_in, post, db):
    source = add_source(db)
    one, two = add_partner(db, "one"), add_partner(db, "two")
    first = add_delivery(db, add_story(db, source, "Eins"), one, DeliveryState.DEAD, error="e1")
    second = add_delivery(db, add_story(db, source, "Zwei"), two, DeliveryState.DEAD, error="e2")

    page = signed_in.get(f"/dead-letters?partner={one.id}").get_data(as_text=True)
    assert f'id="delivery-{first.id}"' in page and f'id="delivery-{second.id}"' not in page

    post(f"/deliveries/{first.id}/resend", next=f"/dead-letters?partner={one.id}")
    assert fresh(db, Delivery, first.id).state == DeliveryState.PENDING
    answer = post("/dead-letters/replay")
    assert answer.status_code == 302
    assert fresh(db, Delivery, second.id).state == DeliveryState.PENDING
    assert "No dead letters." in signed_in.get("/dead-letters").get_data(as_text=True)
    assert len(db.scalars(select(OutboxMessage)).all()) == 2


def test_resend_from_the_story_page_comes_back_to_it_with_a_message(signed_in, post, db):
    story = add_story(db, add_source(db), "Hafen")
    delivery = add_delivery(db, story, add_partner(db, "24hw"))
    answer = post(f"/deliveries/{delivery.id}/resend", next=f"/stories/{story.id}#deliveries")
    assert answer.headers["Location"] == f"/stories/{story.id}#deliveries"
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert f"Queued again for 24hw ({delivery.webhook_id})." in page
    assert "queued again by editor" in page.split('id="timeline"', 1)[1]


def test_a_refused_resend_says_why(signed_in, post, db):
    story = add_story(db, add_source(db), "Hafen")
    delivery = add_delivery(db, story, add_partner(db, "off", enabled=False))
    post(f"/deliveries/{delivery.id}/resend")
    page = signed_in.get("/dead-letters").get_data(as_text=True)
    assert "Not resent: partner off is disabled; enable it first" in page


def test_the_review_queue_lists_held_stories_with_the_gates_reasons(signed_in, db):
    source = add_source(db)
    held = add_story(
        db,
        source,
        "Zahlen fehlen",
        state=StoryState.NEEDS_REVIEW,
        translation_status=TranslationStatus.NEEDS_REVIEW,
        qa={"reasons": ["number 4,2 missing", {"code": "german_left", "segment": 3}]},
    )
    add_story(db, source, "Fine")
    page = signed_in.get("/review").get_data(as_text=True)
    table = page.split('id="review-queue"', 1)[1]
    assert "Zahlen fehlen" in table and "Fine" not in table
    assert "<li>number 4,2 missing</li>" in table
    assert "<li>german_left (segment 3)</li>" in table
    assert f"/review/{held.id}/approve" in table


@pytest.mark.parametrize(
    ("path", "form"), [("approve", {}), ("segments/0", {"text": "The numbers are missing"})]
)
def test_review_actions_go_through_the_adapter(signed_in, post, db, monkeypatch, path, form):
    story = add_story(db, add_source(db), "Zahlen", state=StoryState.NEEDS_REVIEW)
    calls = []
    monkeypatch.setattr(review_actions, "approve", lambda *args: calls.append(args))
    monkeypatch.setattr(review_actions, "edit_segment_and_approve", lambda *a: calls.append(a))
    answer = post(f"/review/{story.id}/{path}", **form)
    assert answer.headers["Location"] == f"/stories/{story.id}"
    assert calls == [(story.id, *([0, "The numbers are missing"] if form else []), "editor")]


def test_until_the_review_module_lands_review_actions_say_so(signed_in, post, db):
    story = add_story(db, add_source(db), "Zahlen", state=StoryState.NEEDS_REVIEW)
    post(f"/review/{story.id}/approve")
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Not done: approving and editing come with the translation review module" in page


def test_an_empty_segment_edit_is_refused(signed_in, post, db):
    story = add_story(db, add_source(db), "Zahlen", state=StoryState.NEEDS_REVIEW)
    post(f"/review/{story.id}/segments/0", text="  ")
    assert "cannot be empty" in signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
