"""The management API (sources, partners, deliveries, glossary, review) under attack.

Every management route is found from the app's URL map, so a route added later is checked too:
without a token from SYNDIKAT_API_TOKENS it answers 401 (403 when none is configured), and it
never runs. Bodies that are not acceptable JSON get a clear 400 and change nothing.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.api import create_app
from shared.models import Partner, Source
from shared.web.hardening import SECURITY_HEADERS
from tests.hostile.conftest import changed
from tests.support.api import API_TOKEN, AUTH, OLD_API_TOKEN, management_client
from tests.support.factories import new_secret
from tests.support.settings import changed_settings

MANAGEMENT_BLUEPRINTS = ("sources", "partners", "translate")
ROUTE_VALUES = {
    "name": "x",
    "source": "x",
    "delivery_id": 1,
    "story_id": "00000000-0000-4000-8000-000000000001",
    "index": 0,
}


def management_routes() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True})
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in MANAGEMENT_BLUEPRINTS:
            continue
        path = adapter.build(rule.endpoint, {a: ROUTE_VALUES[a] for a in rule.arguments})
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


ROUTES = management_routes()
BAD_CREDENTIALS = {
    "no Authorization header": {},
    "a wrong token": {"Authorization": "Bearer wrong"},
    "the token as Basic auth": {"Authorization": f"Basic {API_TOKEN}"},
    "the token without a scheme": {"Authorization": API_TOKEN},
    "an empty bearer token": {"Authorization": "Bearer "},
    "the token with a suffix": {"Authorization": f"Bearer {API_TOKEN}x"},
    "a prefix of the token": {"Authorization": f"Bearer {API_TOKEN[:-1]}"},
    "the token with a NUL": {"Authorization": f"Bearer {API_TOKEN}\x00"},
}


def test_every_management_blueprint_has_routes():
    assert {path.split("/")[2] for _, path in ROUTES} >= {
        "sources", "partners", "deliveries", "glossary", "review", "stories"
    }  # fmt: skip


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_every_management_route_refuses_a_request_without_a_valid_token(db_env, rows, credentials):
    client = management_client()
    client.environ_base.pop("HTTP_AUTHORIZATION")
    before = rows()

    for method, path in ROUTES:
        answer = client.open(path, method=method, json={"name": "x"}, headers=credentials)
        assert answer.status_code in (400, 401), (method, path)
        error = answer.get_json()["error"]
        if answer.status_code == 401:
            assert error["code"] == "unauthorized", (method, path)
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        else:  # a NUL never gets as far as the token check
            assert error["code"] == "invalid_request"

    assert changed(before, rows()) == {}
    assert management_client().get("/v1/sources").status_code == 200


def test_with_no_token_configured_the_management_api_is_closed(db_env, rows):
    before = rows()
    with changed_settings() as change:
        change(SYNDIKAT_API_TOKENS="")
        client = management_client()
        for method, path in ROUTES:
            answer = client.open(path, method=method, json={"name": "x"})
            assert answer.status_code == 403, (method, path)
            assert answer.get_json()["error"]["code"] == "api_disabled"
    assert changed(before, rows()) == {}


@pytest.mark.parametrize("token", [API_TOKEN, OLD_API_TOKEN], ids=["new token", "old token"])
def test_each_configured_token_works_so_tokens_can_be_rotated(db_env, token):
    answer = management_client().get("/v1/partners", headers={"Authorization": f"bearer {token}"})
    assert answer.status_code == 200


def test_the_open_surfaces_need_no_management_token(client):
    assert client.get("/healthz").status_code == 200
    # Pushes are signed and pull feeds carry their partner's token: a management token is none.
    assert client.post("/v1/sources/x/stories", data=b"{}", headers=AUTH).status_code == 404
    assert client.get("/v1/feeds/x.json", headers=AUTH).status_code == 401


def deep_json(depth: int) -> bytes:
    return b'{"name": "deep", "kind": "rss", "filters": ' + b"[" * depth + b"]" * depth + b"}"


BAD_BODIES = {
    "100,000 levels of [ ]": (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
    "65 levels of nesting in a field": (deep_json(65), 400, "malformed_json"),
    "a NUL in the name": (b'{"name": "a\\u0000b"}', 400, "malformed_json"),
    "a lone surrogate in the name": (b'{"name": "\\udc80"}', 400, "malformed_json"),
    "a 5,000-digit number": (b'{"name": "n", "x": ' + b"9" * 5000 + b"}", 400, "malformed_json"),
    "NaN": (b'{"name": "n", "overlap_hours": NaN}', 400, "malformed_json"),
    "invalid UTF-8": (b'{"name": "\xff"}', 400, "malformed_json"),
    "not JSON": (b"name=x", 400, "malformed_json"),
    "a JSON array": (b"[]", 400, "malformed_json"),
    "over SYNDIKAT_MAX_BODY_BYTES": (b" " * (2 * 1024 * 1024 + 1), 413, "request_entity_too_large"),
    "a name with a trailing newline": (b'{"name": "evil\\n"}', 422, None),
    "SQL in the name": (b'{"name": "x\'; DROP TABLE partners; --"}', 422, None),
    "script in the name": (b'{"name": "<script>alert(1)</script>"}', 422, None),
}  # fmt: skip
WRITING_ROUTES = ["/v1/sources", "/v1/partners", "/v1/glossary/terms"]


@pytest.mark.parametrize("path", WRITING_ROUTES)
@pytest.mark.parametrize("case", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_a_bad_body_gets_a_clear_error_and_changes_nothing(db_env, rows, path, case):
    body, status, code = BAD_BODIES[case]
    client = management_client()
    before = rows()

    answer = client.post(path, data=body, content_type="application/json")

    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    if code:
        assert answer.get_json()["error"]["code"] == code
    assert answer.get_json()["error"]["message"]
    assert changed(before, rows()) == {}
    assert client.get("/v1/sources").status_code == 200


def test_sql_and_script_in_free_text_are_stored_as_text(db_env, db):
    text = "Source: x'); DELETE FROM sources; -- <script>alert(1)</script>"
    client = management_client()

    answer = client.post(
        "/v1/sources", json={"name": "wire", "secret": new_secret(), "attribution": text}
    )

    assert answer.status_code == 201
    assert answer.get_json()["attribution"] == text
    assert answer.headers["Content-Type"] == "application/json"
    assert db.scalars(select(Source.attribution)).one() == text


@pytest.mark.parametrize("method, path", [*ROUTES[:6], ("GET", "/healthz")])
def test_every_api_answer_carries_the_security_headers(db_env, method, path):
    answer = management_client().open(path, method=method, json={})
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value


def test_a_nul_in_a_url_is_refused_before_any_lookup(db_env, db):
    db.add(Partner(name="p", endpoint="http://127.0.0.1:9/x"))
    db.commit()
    client = management_client()
    for path in ("/v1/partners/p%00", "/v1/sources?x=%00", "/v1/glossary/terms/a%00b"):
        answer = client.get(path) if "glossary" not in path else client.delete(path)
        assert answer.status_code == 400, path
        assert answer.get_json()["error"]["code"] == "invalid_request"
    assert json.loads(client.get("/v1/partners/p").data)["name"] == "p"
