"""The publish queue page: every open delivery, filters, cancel and resend (one or a
selection), counts per partner that link into it, and the fragment its refresh fetches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shared.models import (
    Delivery,
    DeliveryEvent,
    DeliveryState,
    OutboxMessage,
    StoryEvent,
)
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source


def fresh(db: Any, delivery: Delivery) -> Delivery:
    db.expire_all()
    return db.get_one(Delivery, delivery.id)


def shown(page: str) -> dict[int, str]:
    """Delivery id → the queue state each row of the page shows."""
    rows = page.split('<tr id="queue-')[1:]
    return {
        int(row.split('"', 1)[0]): row.split('data-state="', 1)[1].split('"', 1)[0] for row in rows
    }


@pytest.fixture
def desk(db: Any, clock: Any) -> dict[str, Any]:
    """Deliveries in every state, to two partners, from two sources."""
    wire, feed = (
        add_source(db, "wire"),
        add_source(db, "feed", kind="rss", url="https://f.example/rss"),
    )
    one, two = add_partner(db, "one"), add_partner(db, "two")
    old = add_story(db, wire, "Alte Meldung", received=clock.now - timedelta(hours=5))
    new = add_story(db, wire, "Neue Meldung")
    fed = add_story(db, feed, "Aus dem Feed")
    found = {
        "delivered": add_delivery(db, old, one),
        "dead": add_delivery(db, old, two, DeliveryState.DEAD, error="HTTP 503: down", attempts=9),
        "pending": add_delivery(db, new, one, DeliveryState.PENDING, attempts=0),
        "retrying": add_delivery(
            db,
            new,
            two,
            DeliveryState.PENDING,
            error="HTTP 500",
            attempts=2,
            event=DeliveryEvent.UPDATED,
        ),
        "held": add_delivery(db, fed, one, DeliveryState.PENDING, attempts=0),
        "sending": add_delivery(db, fed, two, DeliveryState.SENDING, attempts=0),
        "canceled": add_delivery(
            db, old, one, DeliveryState.CANCELED, attempts=0, event=DeliveryEvent.UPDATED
        ),
    }
    found["held"].held_until = clock.now + timedelta(hours=2)
    found["sending"].claimed_until = clock.now + timedelta(minutes=1)
    db.commit()
    return found | {"one": one, "two": two, "wire": wire, "feed": feed}


def ids(desk: dict[str, Any], *names: str) -> dict[int, str]:
    return {desk[name].id: name for name in names}


def test_the_queue_shows_every_open_delivery_and_filters_it(signed_in, desk):
    everything = signed_in.get("/queue").get_data(as_text=True)
    assert shown(everything) == ids(desk, "dead", "pending", "retrying", "held", "sending")
    assert "Alte Meldung" in everything and "HTTP 503: down" in everything

    def only(query: str) -> dict[int, str]:
        answer = signed_in.get(f"/queue?{query}")
        assert answer.status_code == 200, answer.text
        return shown(answer.get_data(as_text=True))

    assert only(f"partner={desk['one'].id}") == ids(desk, "pending", "held")
    assert only("state=retrying") == ids(desk, "retrying")
    assert only("state=held") == ids(desk, "held")
    assert only("state=canceled") == ids(desk, "canceled")
    assert only("event=story.updated") == ids(desk, "retrying")
    assert only(f"source={desk['feed'].id}") == ids(desk, "held", "sending")
    assert only("since=2h") == ids(desk, "pending", "retrying", "held", "sending")
    assert only("until=2h") == ids(desk, "dead")
    assert only("time=next&since=1h") == ids(desk, "pending", "retrying", "held", "sending")
    assert only(f"partner={desk['two'].id}&state=dead") == ids(desk, "dead")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=lost", "not a known choice: &#39;lost&#39;"),
        ("event=story.misc", "the event is one of story.published"),
        ("partner=abc", "the partner is chosen from the list"),
        ("since=yesterday", "yesterday"),
    ],
)
def test_a_bad_filter_is_a_clear_error(signed_in, desk, query, message):
    answer = signed_in.get(f"/queue?{query}")
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)


def test_cancel_one_delivery_with_who_and_why(signed_in, post, db, desk):
    retrying = desk["retrying"]
    back = f"/queue?partner={desk['two'].id}"

    refused = post(f"/queue/{retrying.id}/cancel", reason=" ", next=back)
    assert refused.status_code == 302 and refused.location == back
    assert fresh(db, retrying).state == DeliveryState.PENDING
    assert "Not canceled: say why it is canceled." in signed_in.get(back).get_data(as_text=True)

    post(f"/queue/{retrying.id}/cancel", reason="partner asked us to stop", next=back)

    retrying = fresh(db, retrying)
    assert retrying.state == DeliveryState.CANCELED
    assert retrying.last_error == "canceled by editor: partner asked us to stop"
    assert retrying.attempts == 2  # it was tried: still "may have the story"
    timeline = db.scalars(select(StoryEvent).where(StoryEvent.stage == "delivery_canceled")).one()
    assert "canceled by editor: partner asked us to stop" in timeline.detail
    page = signed_in.get(back).get_data(as_text=True)
    assert "Canceled story.updated to two." in page
    assert retrying.id not in shown(page)


def test_a_delivery_being_sent_is_not_canceled(signed_in, post, db, desk):
    post(f"/queue/{desk['sending'].id}/cancel", reason="stop")
    assert fresh(db, desk["sending"]).state == DeliveryState.SENDING
    assert "it is being sent right now" in signed_in.get("/queue").get_data(as_text=True)


def test_resend_one_and_a_selection(signed_in, post, db, desk):
    dead = desk["dead"]
    post(f"/queue/{dead.id}/resend")
    dead = fresh(db, dead)
    assert (dead.state, dead.attempts) == (DeliveryState.PENDING, 0)
    assert {"delivery_id": dead.id} in db.scalars(select(OutboxMessage.kwargs)).all()
    assert f"Delivery {dead.id} queued again" in signed_in.get("/queue").get_data(as_text=True)

    chosen = [desk["retrying"].id, desk["held"].id]
    post("/queue/bulk", action="resend", ids=[str(i) for i in chosen])
    page = signed_in.get("/queue").get_data(as_text=True)
    assert "1 delivery queued again." in page
    assert f"Delivery {desk['held'].id} not: the delivery is held until the embargo" in page
    assert fresh(db, desk["retrying"]).attempts == 0
    assert fresh(db, desk["held"]).state == DeliveryState.PENDING


def test_bulk_cancel_needs_a_reason_and_says_what_it_skipped(signed_in, post, db, desk):
    chosen = [str(desk[name].id) for name in ("pending", "retrying", "sending")]

    post("/queue/bulk", action="cancel", ids=chosen, reason="")
    assert "say why they are canceled" in signed_in.get("/queue").get_data(as_text=True)
    assert fresh(db, desk["pending"]).state == DeliveryState.PENDING

    post("/queue/bulk", action="cancel", ids=chosen, reason="story withdrawn by the desk")
    page = signed_in.get("/queue").get_data(as_text=True)
    assert "2 deliveries canceled." in page
    assert f"Delivery {desk['sending'].id} not: it is being sent right now" in page
    for name in ("pending", "retrying"):
        canceled = fresh(db, desk[name])
        assert canceled.state == DeliveryState.CANCELED
        assert canceled.last_error == "canceled by editor: story withdrawn by the desk"

    post("/queue/bulk", action="cancel", reason="x")
    assert "select deliveries first" in signed_in.get("/queue").get_data(as_text=True)


def test_counts_per_partner_link_into_the_queue(signed_in, desk):
    one, two = desk["one"].id, desk["two"].id
    page = signed_in.get("/queue").get_data(as_text=True)
    counts = page.split('id="queue-counts"', 1)[1].split("</section>", 1)[0]
    assert f'href="/queue?partner={two}&amp;state=retrying">1 retrying</a>' in counts
    assert f'href="/queue?partner={two}&amp;state=dead">1 dead</a>' in counts
    assert f'href="/queue?partner={one}&amp;state=held">1 held</a>' in counts
    partners = signed_in.get("/partners").get_data(as_text=True)
    assert f'href="/queue?partner={two}&amp;state=retrying">1</a>' in partners
    assert f'href="/queue?partner={two}&amp;state=dead">1</a>' in partners
    edit = signed_in.get(f"/partners/{two}").get_data(as_text=True)
    assert f'href="/queue?partner={two}" id="partner-queue"' in edit


def test_the_rows_refresh_as_a_fragment_with_the_filters(signed_in, db, desk):
    page = signed_in.get(f"/queue?partner={desk['one'].id}").get_data(as_text=True)
    assert f'data-refresh="/queue/rows?partner={desk["one"].id}"' in page
    # Every form leads back to the queue as filtered.
    assert page.count(f'name="next" value="/queue?partner={desk["one"].id}"') == 4  # rows, bulk

    fragment = signed_in.get(
        f"/queue/rows?partner={desk['one'].id}", headers={"X-Dashboard-Fragment": "1"}
    )
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and shown(text) == ids(desk, "pending", "held")
    later = add_delivery(
        db, add_story(db, desk["wire"], "Später"), desk["one"], DeliveryState.PENDING, attempts=0
    )
    assert later.id in shown(
        signed_in.get(f"/queue/rows?partner={desk['one'].id}").get_data(as_text=True)
    )


def test_the_queue_needs_a_signed_in_user_and_a_csrf_token(app, signed_in, db, desk):
    stranger = app.test_client()
    assert stranger.get("/queue").status_code == 302
    assert stranger.get("/queue/rows", headers={"X-Dashboard-Fragment": "1"}).status_code == 401
    answer = signed_in.post(f"/queue/{desk['pending'].id}/cancel", data={"reason": "no token"})
    assert answer.status_code == 400
    assert fresh(db, desk["pending"]).state == DeliveryState.PENDING
