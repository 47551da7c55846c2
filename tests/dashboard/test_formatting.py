"""Times in one format with the zone's name everywhere, also inside texts the services wrote;
counts with the noun in the right number."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask

from services.dashboard import formatting
from shared.models import DeliveryState
from tests.support.dashboard import add_delivery, add_story
from tests.support.factories import add_partner, add_source

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture
def berlin() -> Flask:
    app = Flask(__name__)
    app.config["DASHBOARD_TIMEZONE"] = "Europe/Berlin"
    return app


def test_a_time_is_shown_in_the_zone_with_its_name(berlin):
    with berlin.app_context():
        assert formatting.when(datetime(2026, 12, 1, 22, 5, tzinfo=UTC)) == (
            "2026-12-01 23:05:00 CET"
        )
        assert formatting.when("2026-07-01T10:00:00+00:00") == "2026-07-01 12:00:00 CEST"


def test_iso_times_inside_a_text_are_shown_like_every_other_time(berlin):
    text = "500 from partner; retry at 2026-12-01T22:05:00+00:00, then 2026-12-01T22:15:30Z"
    with berlin.app_context():
        assert formatting.times_in(text) == (
            "500 from partner; retry at 2026-12-01 23:05:00 CET, then 2026-12-01 23:15:30 CET"
        )
        assert formatting.times_in(None) == ""
        assert formatting.times_in("no time here") == "no time here"


def test_counts_take_the_noun_in_the_right_number():
    assert formatting.counted(1, "attempt") == "1 attempt"
    assert formatting.counted(0, "attempt") == "0 attempts"
    assert formatting.counted(3, "attempt") == "3 attempts"
    assert formatting.counted(2, "entry", "entries") == "2 entries"


def test_the_story_page_says_1_attempt_and_shows_no_iso_time(signed_in, db):
    story = add_story(db, add_source(db), "Hafen")
    story.state_detail = "embargoed until 2026-12-01T22:05:00+00:00"
    db.commit()
    add_delivery(db, story, add_partner(db), DeliveryState.DELIVERED, attempts=1)

    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)

    assert "1 attempt<" in page and "1 attempts" not in page
    assert "embargoed until 2026-12-01 22:05:00 UTC" in page
    assert not ISO.search(page.split("<main", 1)[-1].split("<script", 1)[0])
