"""The partner registry and replay as a JSON API: behind a token, secrets never returned."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.publish import delivery
from shared.models import Delivery, Partner
from tests.support.api import AUTH, api_client
from tests.support.factories import add_partner, new_secret
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer


@pytest.fixture
def client(db_env: str) -> Any:
    return api_client()


def webhook_partner(**changes: Any) -> dict[str, Any]:
    return {
        "name": "24hw",
        "method": "webhook",
        "endpoint": "http://127.0.0.1:9/hook",
        "secret": new_secret(),
    } | changes


def test_a_partner_is_created_read_and_changed_without_its_secrets_coming_back(client, db):
    body = webhook_partner(
        credentials={"api_key": "k3y"},
        filters={"languages": ["de"], "urgency": 4},
        byline_policy="partner",
        byline="Desk",
    )

    created = client.post("/v1/partners", json=body, headers=AUTH)
    read = client.get("/v1/partners/24hw", headers=AUTH)
    changed = client.patch("/v1/partners/24hw", json={"filters": {}}, headers=AUTH)
    listed = client.get("/v1/partners", headers=AUTH)

    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith("/v1/partners/24hw")
    assert read.json["filters"] == {"languages": ["de"], "urgency": 4}
    assert read.json["credentials_set"] == ["api_key"] and read.json["secret_set"] is True
    assert changed.json["filters"] == {}
    assert [p["name"] for p in listed.json["partners"]] == ["24hw"]
    for answer in (created, read, changed, listed):
        assert body["secret"] not in answer.get_data(as_text=True)
        assert "k3y" not in answer.get_data(as_text=True)
    assert db.scalars(select(Partner.byline)).one() == "Desk"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (webhook_partner(endpoint="http://169.254.169.254/"), 422, "invalid_partner"),
        (webhook_partner(secret="plain"), 422, "invalid_partner"),
        (webhook_partner(filters={"colour": ["red"]}), 422, "invalid_partner"),
        (webhook_partner(filters={"urgency": 12}), 422, "invalid_partner"),
        (webhook_partner(method="carrier-pigeon"), 422, "invalid_partner"),
        (webhook_partner(byline_policy="nobody"), 422, "invalid_partner"),
        (webhook_partner(name="no spaces please"), 422, "invalid_partner"),
        (webhook_partner(surprise=True), 422, "invalid_partner"),
        (["not", "an", "object"], 400, "malformed_json"),
    ],
    ids=[
        "metadata url",
        "secret",
        "filter key",
        "urgency",
        "method",
        "byline",
        "name",
        "unknown field",
        "not an object",
    ],
)
def test_bad_partners_are_refused_with_a_clear_error(client, db, body, status, code, settings):
    settings(SYNDIKAT_ALLOW_PRIVATE_HOSTS="127.0.0.1")

    answer = client.post("/v1/partners", json=body, headers=AUTH)

    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
    assert answer.json["error"]["message"]
    assert db.scalars(select(Partner)).all() == []


def test_a_duplicate_name_is_a_conflict(client):
    assert client.post("/v1/partners", json=webhook_partner(), headers=AUTH).status_code == 201
    again = client.post("/v1/partners", json=webhook_partner(), headers=AUTH)
    assert again.status_code == 409


def test_disabling_and_re_enabling_over_the_api(client, db):
    client.post("/v1/partners", json=webhook_partner(), headers=AUTH)

    off = client.patch(
        "/v1/partners/24hw", json={"enabled": False, "disabled_reason": "paused"}, headers=AUTH
    )
    on = client.patch("/v1/partners/24hw", json={"enabled": True}, headers=AUTH)

    assert off.json["enabled"] is False and off.json["disabled_reason"].startswith("paused")
    assert on.json["enabled"] is True and on.json["disabled_reason"] is None


def test_secret_rotation_over_the_api(client, db):
    client.post("/v1/partners", json=webhook_partner(), headers=AUTH)
    new = new_secret()

    rotated = client.post(
        "/v1/partners/24hw/secret", json={"secret": new, "overlap_hours": 12}, headers=AUTH
    )

    assert rotated.status_code == 200
    assert rotated.json["secret_rotation_ends_at"] is not None
    assert new not in rotated.get_data(as_text=True)
    assert db.scalars(select(Partner.secret)).one() == new


def test_rotating_to_no_secret_is_refused_and_keeps_the_old_one(client, db):
    client.post("/v1/partners", json=webhook_partner(), headers=AUTH)
    old = db.scalars(select(Partner.secret)).one()

    refused = client.post("/v1/partners/24hw/secret", json={"overlap_hours": 1}, headers=AUTH)

    assert refused.status_code == 422
    assert "new secret is required" in refused.json["error"]["message"]
    db.expire_all()
    assert db.scalars(select(Partner.secret)).one() == old is not None


def test_replaying_one_delivery_and_every_failed_one_since_a_time(client, db, wire, partner_site):
    add_partner(db, "24hw", endpoint=partner_site.url)
    partner_site.default = Answer(status=500)
    for uri in ("urn:a", "urn:b"):
        fan_out(db, translated_version(db, "en-library.json", uri=uri))
    first, second = [d.id for d in db.scalars(select(Delivery).order_by(Delivery.id))]
    for delivery_id in (first, second):
        assert delivery.attempt(delivery_id) == "retrying"
    partner_site.default = Answer(status=200)

    one = client.post(f"/v1/deliveries/{first}/replay", headers=AUTH)
    assert one.status_code == 202 and one.json["attempts"] == 0
    assert delivery.attempt(first) == "delivered"
    listed = client.get("/v1/partners/24hw/deliveries?state=pending", headers=AUTH)
    assert [d["id"] for d in listed.json["deliveries"]] == [second]

    everything = client.post("/v1/partners/24hw/replay", json={"since": "1h"}, headers=AUTH)
    assert everything.json == {"replayed": [second], "skipped": []}
    assert delivery.attempt(second) == "delivered"
    webhook_ids = {r.headers["webhook-id"] for r in partner_site.requests}
    assert len(webhook_ids) == 2 and len(partner_site.requests) == 4


def test_replay_refuses_what_it_must_not_send(client, db, wire, partner_site):
    add_partner(db, "24hw", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    first = only_delivery(db, "24hw")
    delivery.attempt(first.id)
    fan_out(db, translated_version(db, version="2"))

    superseded = client.post(f"/v1/deliveries/{first.id}/replay", headers=AUTH)
    missing = client.post("/v1/deliveries/999999/replay", headers=AUTH)
    bad_since = client.post("/v1/partners/24hw/replay", json={"since": "soon"}, headers=AUTH)

    assert superseded.status_code == 409
    assert "later delivery" in superseded.json["error"]["message"]
    assert current(db, first).state == "delivered"
    assert missing.status_code == 404
    assert bad_since.status_code == 422
