"""Embargoes on the dashboard: the story page says until when, the partner form sets the option."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.publish import fanout
from services.translate import pipeline
from shared.models import Partner, StoryVersion
from tests.dashboard.test_partners import WEBHOOK
from tests.support.factories import add_partner, add_source, fixture_story, new_secret, store_story


def test_the_story_page_says_embargoed_until_and_which_deliveries_are_held(signed_in, db, clock):
    add_source(db)
    add_partner(db, "hook")
    embargo = clock.now + timedelta(hours=1)
    version_id = store_story(db, fixture_story("en-library.json", embargoed=embargo.isoformat()))
    pipeline.translate_version(version_id)
    fanout.fan_out(db, version_id)
    db.commit()
    story_id = db.get_one(StoryVersion, version_id).story_id

    page = signed_in.get(f"/stories/{story_id}").get_data(as_text=True)

    # Shown like every other time on the page: the dashboard's zone (UTC here), with its name.
    shown = embargo.strftime("%Y-%m-%d %H:%M:%S UTC")
    state = page.split('id="story-state"', 1)[1].split("</dd>", 1)[0]
    assert "embargoed" in state and f"embargoed until {shown}" in state
    deliveries = page.split('id="deliveries"', 1)[1].split('id="timeline"', 1)[0]
    assert "held until the embargo" in deliveries
    assert f"version 1 embargoed until {shown}" in page.split('id="timeline"', 1)[1]


def test_the_partner_form_sets_and_clears_honouring_embargoes(signed_in, post, db):
    secret = new_secret()

    added = post("/partners/new", **WEBHOOK, secret=secret, honours_embargoes="on")
    partner = db.scalar(select(Partner).where(Partner.name == "24hw"))
    assert partner.honours_embargoes is True
    edit = signed_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    cleared = post(f"/partners/{partner.id}", **WEBHOOK)  # an unticked box is not sent

    assert (added.status_code, cleared.status_code) == (302, 302)
    assert 'name="honours_embargoes" checked' in edit
    db.expire_all()
    assert db.get_one(Partner, partner.id).honours_embargoes is False
