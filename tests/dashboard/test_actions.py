"""The overview, the dead letters and resending, on live data."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.models import (
    Delivery,
    DeliveryState,
    OutboxMessage,
    StoryState,
)
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source


def fresh(db, model, key):  # type: ignore[no-untyped-def]
    """The row as the dashboard left it, not this session's copy."""
    db.expire_all()
    return db.get(model, key)


def section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_the_overview_counts_states_the_last_hour_and_what_needs_attention(signed_in, db, clock):
    source = add_source(db, "wire")
    add_source(db, "sleepy", created_at=clock.now - timedelta(days=2))
    good, bad = add_partner(db, "good"), add_partner(db, "bad")
    for number in range(3):
        story = add_story(db, source, f"Story {number}", translated_after=4.0)
        add_delivery(db, story, good, after=10.0)
    add_story(db, source, "Held", state=StoryState.NEEDS_REVIEW)
    old = add_story(db, source, "Old", received=clock.now - timedelta(hours=3))
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
    assert "1 story waits for review" in attention
    assert "1 dead letter" in attention
    dead_link = f'<a href="/queue?partner={bad.id}&amp;state=dead">1 dead</a>'
    assert f">0 retrying</a>, {dead_link} — HTTP 410: gone" in attention
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


def test_dead_letters_filter_by_partner_and_time_and_replay_one_or_all(signed_in, post, db, clock):
    source = add_source(db)
    one, two = add_partner(db, "one"), add_partner(db, "two")
    first = add_delivery(db, add_story(db, source, "Eins"), one, DeliveryState.DEAD, error="e1")
    second = add_delivery(db, add_story(db, source, "Zwei"), two, DeliveryState.DEAD, error="e2")
    old_story = add_story(db, source, "Alt", received=clock.now - timedelta(days=3))
    old = add_delivery(db, old_story, two, DeliveryState.DEAD, error="e3")

    page = signed_in.get(f"/dead-letters?partner={one.id}").get_data(as_text=True)
    assert f'id="delivery-{first.id}"' in page and f'id="delivery-{second.id}"' not in page
    page = signed_in.get("/dead-letters?since=24h").get_data(as_text=True)
    assert f'id="delivery-{second.id}"' in page and f'id="delivery-{old.id}"' not in page

    post(f"/deliveries/{first.id}/resend", next=f"/dead-letters?partner={one.id}")
    assert fresh(db, Delivery, first.id).state == DeliveryState.PENDING
    answer = post("/dead-letters/replay", partner=str(two.id), since="24h")
    assert answer.status_code == 302
    assert fresh(db, Delivery, second.id).state == DeliveryState.PENDING
    assert fresh(db, Delivery, old.id).state == DeliveryState.DEAD  # older than a day
    page = signed_in.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 failed delivery to two queued again." in page
    post("/dead-letters/replay")
    assert fresh(db, Delivery, old.id).state == DeliveryState.PENDING
    assert "No dead letters." in signed_in.get("/dead-letters").get_data(as_text=True)
    queued = db.scalars(select(OutboxMessage.kwargs)).all()
    assert sorted(kwargs["delivery_id"] for kwargs in queued) == [first.id, second.id, old.id]


def test_a_time_without_a_zone_is_the_dashboards_and_a_bad_one_is_refused(signed_in, post, db):
    partner = add_partner(db)
    delivery = add_delivery(db, add_story(db, add_source(db), "Eins"), partner, DeliveryState.DEAD)
    local = delivery.created_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M")
    page = signed_in.get(f"/dead-letters?since={local}").get_data(as_text=True)
    assert f'id="delivery-{delivery.id}"' in page

    answer = signed_in.get("/dead-letters?since=yesterday")
    assert answer.status_code == 400
    assert "is neither an ISO 8601 time nor an age" in answer.get_data(as_text=True)
    post("/dead-letters/replay", since="yesterday")
    assert fresh(db, Delivery, delivery.id).state == DeliveryState.DEAD


def test_resend_from_the_story_page_comes_back_to_it_with_a_message(signed_in, post, db):
    story = add_story(db, add_source(db), "Hafen")
    delivery = add_delivery(db, story, add_partner(db, "24hw"))
    answer = post(f"/deliveries/{delivery.id}/resend", next=f"/stories/{story.id}#deliveries")
    assert answer.headers["Location"] == f"/stories/{story.id}#deliveries"
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert f"Queued again for 24hw ({delivery.webhook_id})." in page
    assert "story.published to 24hw by editor" in page.split('id="timeline"', 1)[1]


def test_a_refused_resend_says_why_and_a_disabled_partners_waits(signed_in, post, db):
    story = add_story(db, add_source(db), "Hafen")
    partner = add_partner(db, "moved-on")
    replaced = add_delivery(db, story, partner, DeliveryState.DEAD)
    add_delivery(db, story, partner, event="story.updated")
    off = add_delivery(db, story, add_partner(db, "off", enabled=False), DeliveryState.DEAD)

    post(f"/deliveries/{replaced.id}/resend")
    page = signed_in.get("/dead-letters").get_data(as_text=True)
    assert "Not resent: a later delivery of the story replaced it" in page
    post(f"/deliveries/{off.id}/resend")
    page = signed_in.get("/dead-letters").get_data(as_text=True)
    assert "off is disabled: it goes once enabled." in page
    assert fresh(db, Delivery, off.id).state == DeliveryState.PENDING


def test_the_overview_shows_each_engines_usage_against_its_budget(signed_in, db, monkeypatch):
    from services.translate import usage
    from services.translate.engines import Usage
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_ENGINE", "deepl")
    monkeypatch.setenv("SYNDIKAT_FALLBACK_ENGINES", "local")
    monkeypatch.setenv("SYNDIKAT_ENGINE_BUDGETS", "deepl=1000,local=8000")
    services.reset_settings()
    usage.record(db, "deepl", Usage(characters=1000, requests=4))
    usage.record(db, "local", Usage(characters=2000, requests=2))
    usage.record(db, "openai", Usage(characters=10, prompt_tokens=70, completion_tokens=30))
    db.commit()

    engines = section(signed_in.get("/").get_data(as_text=True), "engines")

    rows = [row.split("</tr>")[0] for row in engines.split("<tr id=")[1:]]
    assert [row.split("<td>")[1].split("<")[0] for row in rows] == ["deepl", "local", "openai"]
    assert "1000 (spent: the next engine translates)" in rows[0]
    assert '<td class="num">2000</td>' in rows[1] and "8000 (25% used)" in rows[1]
    assert '<td class="num">70</td>' in rows[2] and '<td class="num">30</td>' in rows[2]
