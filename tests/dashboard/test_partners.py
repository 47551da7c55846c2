"""The partners pages: health, add and edit through the partner registry (its validation and SSRF
guard), secrets never shown, enable and disable with a reason, test delivery, feed tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from services.publish import feeds
from services.publish.tasks import probe_partner
from shared.models import DeliveryState, OutboxMessage, Partner
from shared.tasks import PROBE_PARTNER
from tests.support.dashboard import add_delivery, add_story, form_error
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.ports import free_port
from tests.support.receiver import Answer, Receiver
from tests.support.settings import changed_settings

WEBHOOK = {
    "name": "24hw",
    "method": "webhook",
    "endpoint": "https://24hw.example/hooks/syndikat",
    "attribution_template": "Source: {source}",
    "byline_policy": "wire",
}


def partner_named(db, name: str) -> Partner | None:
    db.expire_all()
    return db.scalar(select(Partner).where(Partner.name == name))


def test_partners_show_their_health(signed_in, db):
    partner = add_partner(db, "24hw")
    story = add_story(db, add_source(db), "Hafen")
    add_delivery(db, story, partner, DeliveryState.PENDING, error="timed out", attempts=2)
    add_delivery(db, add_story(db, story.source, "Zwei"), partner, DeliveryState.DELIVERED)

    row = signed_in.get("/partners").get_data(as_text=True).split('id="partner-', 2)[1]

    assert "24hw" in row and "timed out" in row
    assert '<td class="num">1</td>' in row  # delivered in 24 h
    retrying = f'class="num warn"><a href="/queue?partner={partner.id}&amp;state=retrying">1</a><'
    assert retrying in row  # retrying, a link into the publish queue


def test_a_webhook_partner_is_added_through_the_form_and_its_secret_never_shown(
    signed_in, post, db
):
    secret = new_secret()

    answer = post(
        "/partners/new",
        **WEBHOOK,
        secret=secret,
        languages="de, en",
        subjects="Politik",
        urgency="4",
    )

    assert answer.status_code == 302, answer.get_data(as_text=True)
    partner = partner_named(db, "24hw")
    assert (partner.method, partner.endpoint, partner.secret) == (
        "webhook",
        WEBHOOK["endpoint"],
        secret,
    )
    assert partner.filters == {"languages": ["de", "en"], "subjects": ["Politik"], "urgency": 4}
    edit = signed_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert secret not in edit and secret.removeprefix("whsec_") not in edit
    assert "<dt>signing secret</dt><dd>set" in edit
    assert 'value="de, en"' in edit and 'value="4"' in edit


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"name": "bad name!"}, "a partner name is 1-100 letters"),
        ({"endpoint": "http://169.254.169.254/latest/meta-data"}, "endpoint refused"),
        ({"endpoint": "http://10.1.2.3/hook"}, "endpoint refused"),
        ({"secret": "not-a-secret"}, "a Standard Webhooks secret starts with whsec_"),
        ({"secret": ""}, "a webhook partner needs: secret"),
        ({"urgency": "soon"}, "filter 'urgency' must be a whole number from 1 to 9"),
        ({"attribution_template": "Source: {sauce}"}, "sauce"),
        ({"method": "carrier-pigeon"}, "unknown method"),
    ],
)
def test_a_bad_partner_is_refused_with_the_registrys_reason_and_nothing_stored(
    post, db, changes, reason
):
    form = WEBHOOK | {"secret": new_secret()} | changes

    answer = post("/partners/new", **form)

    assert answer.status_code == 422
    error = form_error(answer)
    assert reason in error.replace("&#39;", "'")
    assert db.scalars(select(Partner)).all() == []
    assert f'value="{form["endpoint"]}"' in answer.get_data(as_text=True)  # what was typed stays


def test_editing_keeps_the_secret_and_credentials_left_empty(post, db):
    partner = add_partner(db, "site", method="wordpress", endpoint="https://site.example/")
    partner.credentials = '{"user": "ana", "app_password": "abcd efgh"}'
    db.commit()

    site = {"name": "site", "method": "wordpress", "endpoint": "https://site.example/"}
    changes = {"wordpress_author_id": "7", "byline_policy": "partner", "byline": "Site Desk"}
    answer = post(f"/partners/{partner.id}", **WEBHOOK | site | changes)

    assert answer.status_code == 302, answer.get_data(as_text=True)
    saved = partner_named(db, "site")
    assert saved.credentials_dict() == {"user": "ana", "app_password": "abcd efgh", "author_id": 7}
    assert (saved.byline_policy, saved.byline) == ("partner", "Site Desk")
    assert saved.secret == partner.secret


def test_a_feed_partners_token_is_shown_once_on_the_answer_and_only_its_hash_kept(
    signed_in, post, db
):
    answer = post("/partners/new", **WEBHOOK | {"name": "puller", "method": "feed", "endpoint": ""})

    assert answer.status_code == 200
    token = answer.get_data(as_text=True).split('<code id="feed-token">', 1)[1].split("<", 1)[0]
    partner = partner_named(db, "puller")
    assert feeds.token_matches(partner, token)
    assert token not in signed_in.get(f"/partners/{partner.id}").get_data(as_text=True)

    again = post(f"/partners/{partner.id}/feed-token")
    new_token = again.get_data(as_text=True).split('<code id="feed-token">', 1)[1].split("<", 1)[0]
    assert new_token != token
    assert feeds.token_matches(partner_named(db, "puller"), new_token)
    assert not feeds.token_matches(partner_named(db, "puller"), token)


def test_a_partner_is_disabled_with_a_reason_and_enabled_again(signed_in, post, db):
    partner = add_partner(db, "24hw")

    post(f"/partners/{partner.id}/disable", reason="site rebuild")

    disabled = partner_named(db, "24hw")
    assert not disabled.enabled and disabled.disabled_reason.startswith("site rebuild")
    assert "site rebuild" in signed_in.get("/partners").get_data(as_text=True)
    post(f"/partners/{partner.id}/enable")
    assert partner_named(db, "24hw").enabled is True
    assert partner_named(db, "24hw").disabled_reason is None


def test_the_test_button_queues_a_test_and_the_page_shows_what_the_partner_answered(
    signed_in, post, db
):
    secret = new_secret()
    with Receiver() as site:
        partner = add_partner(db, endpoint=site.url, secret=secret)
        site.script.append(Answer(status=200))
        site.script.append(Answer(status=503, body=b"down for maintenance"))

        post(f"/partners/{partner.id}/test")
        queued = signed_in.get("/partners").get_data(as_text=True)
        assert "Test delivery queued" in queued and "Test queued" in queued
        assert site.requests == []  # the request did not wait for the partner
        assert probes_queued(db) == [partner.id]
        probe_partner(partner.id)  # what the publish worker does with the queued task
        first = signed_in.get("/partners").get_data(as_text=True)

        post(f"/partners/{partner.id}/test")
        probe_partner(partner.id)
        second = signed_in.get("/partners").get_data(as_text=True)
        [request, _] = site.wait_for(2)
    assert Webhook(secret).verify(request.body.decode(), request.headers)["type"] == "syndikat.test"
    assert "Test accepted: HTTP 200" in first
    assert "Test failed: HTTP 503: down for maintenance" in second


def test_a_feed_partner_gets_no_test_queued(signed_in, post, db):
    puller = add_partner(db, "puller", method="feed", endpoint=None, secret=None)
    post(f"/partners/{puller.id}/test")
    page = signed_in.get("/partners").get_data(as_text=True)
    assert "Test not sent: puller pulls a feed" in page
    assert probes_queued(db) == []


def test_without_the_cache_redis_a_test_is_still_queued_and_the_page_shown(signed_in, post, db):
    partner = add_partner(db, endpoint="https://24hw.example/hooks/syndikat")
    with changed_settings() as change:
        change(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
        post(f"/partners/{partner.id}/test")
        page = signed_in.get("/partners")
    assert page.status_code == 200
    assert "Test delivery queued" in page.text and "Test queued" not in page.text
    assert probes_queued(db) == [partner.id]


def probes_queued(db) -> list[int]:
    db.expire_all()
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.task_name == PROBE_PARTNER))
    return [message.kwargs["partner_id"] for message in messages]


def test_an_unknown_partner_is_a_404(signed_in, post):
    assert signed_in.get("/partners/999999").status_code == 404
    assert post("/partners/999999/disable", reason="x").status_code == 404
