"""Pull feeds: a partner's current stories as Atom and ninjs JSON, behind its own token."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from services.api import create_app
from services.publish import feeds, partners, registry
from shared import ninjs
from shared.models import Partner
from tests.support.factories import add_partner
from tests.support.publishing import fan_out, translated_version

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(db_env: str) -> Any:
    return create_app({"TESTING": True}).test_client()


@pytest.fixture
def token(db: Any, clock: Any) -> str:
    partner, token = registry.create(db, "puller", {"method": "feed"}, clock.now)
    db.add(partner)
    db.commit()
    return str(token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publish_three_stories_update_one_kill_one(db: Any) -> None:
    for uri in ("urn:one", "urn:two", "urn:three"):
        fan_out(db, translated_version(db, "en-library.json", uri=uri))
    headlines = [{"role": "main", "value": "Library opens on Sundays too"}]
    fan_out(db, translated_version(db, "en-library.json", uri="urn:one", version="2",
                                   headlines=headlines))  # fmt: skip
    fan_out(db, translated_version(db, "en-library.json", uri="urn:two", version="2",
                                   pubstatus="canceled"))  # fmt: skip


def test_the_json_feed_has_each_story_once_in_its_latest_version_and_no_killed_one(
    client, db, wire, token
):
    publish_three_stories_update_one_kill_one(db)

    answer = client.get("/v1/feeds/puller.json", headers=bearer(token))

    assert answer.status_code == 200
    stories = answer.json["stories"]
    assert [s["uri"] for s in stories] == ["urn:one", "urn:three"]  # newest change first
    assert ninjs.main_headline(stories[0]) == "Library opens on Sundays too"
    assert stories[0]["version"] == "2"
    for story in stories:
        assert ninjs.problems(story) == []
        assert story["copyrightnotice"] == "Source: Stern"


def test_the_atom_feed_has_the_same_stories(client, db, wire, token):
    publish_three_stories_update_one_kill_one(db)

    answer = client.get(f"/v1/feeds/puller.atom?token={token}")

    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    feed = etree.fromstring(answer.data)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == ["urn:one", "urn:three"]
    assert entries[0].findtext(f"{ATOM}title") == "Library opens on Sundays too"
    assert entries[0].findtext(f"{ATOM}rights") == "Source: Stern"
    assert "<p>" in entries[0].findtext(f"{ATOM}content")
    assert token not in answer.get_data(as_text=True)  # not even in the self link


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/feeds/puller.json", {}, 401),
        ("/v1/feeds/puller.json", {"Authorization": "Bearer wrong"}, 401),
        ("/v1/feeds/puller.json?token=wrong", {}, 401),
        ("/v1/feeds/nobody.json", None, 401),
        ("/v1/feeds/puller.rss", None, 404),
        ("/v1/feeds/puller.json?limit=lots", None, 422),
    ],
)
def test_a_feed_needs_its_partner_s_token(client, token, path, headers, status):
    answer = client.get(path, headers=bearer(token) if headers is None else headers)
    assert answer.status_code == status
    assert answer.json["error"]["code"]


def test_a_webhook_partner_has_no_feed_and_a_disabled_feed_partner_is_refused(
    client, db, token, clock
):
    add_partner(db, "pusher")
    assert client.get("/v1/feeds/pusher.json", headers=bearer(token)).status_code == 401
    puller = db.query(Partner).filter_by(name="puller").one()
    partners.disable(db, puller, "unpaid", clock.now)
    db.commit()
    assert client.get("/v1/feeds/puller.json", headers=bearer(token)).status_code == 403


def test_a_new_token_replaces_the_old_one(client, db, token):
    puller = db.query(Partner).filter_by(name="puller").one()
    new = feeds.new_token(puller)
    db.commit()

    assert client.get("/v1/feeds/puller.json", headers=bearer(token)).status_code == 401
    assert client.get("/v1/feeds/puller.json", headers=bearer(new)).status_code == 200
