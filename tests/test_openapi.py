"""docs/openapi.yaml describes the API the app serves: valid OpenAPI 3.1, every route in it and
nothing it does not serve, and real answers that fit its schemas.

Left out of the document on purpose: Flask's `static` route and the login-free `/healthz` and
`/metrics` (Prometheus text, described with monitoring in docs/operations.md).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from services.api import create_app
from services.ingest.push_client import signed_push_headers
from tests.support.api import management_client
from tests.support.factories import add_source, fixture_story, new_secret

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
NOT_DOCUMENTED = {"static", "healthz", "metrics"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
#: Flask's `<converter(args):name>` and OpenAPI's `{name}`: both become `{}`.
FLASK_ARGUMENT = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?[a-z_0-9]+>")
OPENAPI_PARAMETER = re.compile(r"\{[a-z_0-9]+\}")
ANY_CONVERTER = re.compile(r"<any\(([^)]*)\):[a-z_]+>")


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def served_operations() -> set[tuple[str, str]]:
    """(method, path) for every route of the API app, its arguments written `{}`."""
    found = set()
    for rule in create_app({"TESTING": True}).url_map.iter_rules():
        if rule.endpoint in NOT_DOCUMENTED:
            continue
        for path in _spelled_out(rule.rule):
            generic = FLASK_ARGUMENT.sub("{}", path)
            found |= {(m.lower(), generic) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _spelled_out(rule: str) -> list[str]:
    """A rule with an `any(a, b)` converter is one path per choice, as OpenAPI writes it."""
    choices = ANY_CONVERTER.search(rule)
    if choices is None:
        return [rule]
    return [
        rule[: choices.start()] + choice.strip() + rule[choices.end() :]
        for choice in choices.group(1).split(",")
    ]


def documented_operations() -> set[tuple[str, str]]:
    return {
        (method, OPENAPI_PARAMETER.sub("{}", path))
        for path, item in document()["paths"].items()
        for method in item.keys() & HTTP_METHODS
    }


def test_the_document_is_valid_openapi_3_1():
    validate(document())
    assert document()["openapi"].startswith("3.1")


def test_every_route_the_api_serves_is_documented_and_nothing_else():
    served, documented = served_operations(), documented_operations()

    assert served - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - served == set(), "docs/openapi.yaml describes routes the API lacks"


def test_the_route_walk_sees_every_part_of_the_api():
    prefixes = {path.split("/")[2] for _, path in served_operations()}

    assert prefixes >= {"sources", "stories", "partners", "deliveries", "glossary", "review"}
    assert prefixes >= {"feeds"}


# -- real answers fit the documented schemas ------------------------------------------------------


def answer_schema(method: str, path: str, status: int) -> dict[str, Any]:
    response = document()["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def assert_fits(answer: Any, method: str, path: str) -> None:
    schema = {**answer_schema(method, path, answer.status_code), **document()}
    OAS31Validator(schema).validate(answer.get_json())


@pytest.fixture
def api(db_env: str) -> Any:
    return management_client()


def test_answers_of_the_sources_api_fit_the_document(api, db):
    created = api.post("/v1/sources", json={"name": "hnd", "kind": "push", "secret": new_secret()})
    assert_fits(created, "post", "/v1/sources")
    assert_fits(api.get("/v1/sources"), "get", "/v1/sources")
    assert_fits(api.get("/v1/sources/hnd/errors"), "get", "/v1/sources/{name}/errors")
    assert_fits(api.post("/v1/sources", json={"name": "hnd"}), "post", "/v1/sources")  # 409
    assert_fits(api.get("/v1/sources/nobody"), "get", "/v1/sources/{name}")  # 404


def test_answers_of_the_partners_and_glossary_apis_fit_the_document(api, db):
    partner = api.post("/v1/partners", json={"name": "puller", "method": "feed"})
    assert partner.status_code == 201
    assert_fits(partner, "post", "/v1/partners")
    assert_fits(api.get("/v1/partners/puller"), "get", "/v1/partners/{name}")
    assert_fits(api.get("/v1/partners/puller/deliveries"), "get", "/v1/partners/{name}/deliveries")
    term = api.post("/v1/glossary/terms", json={"source": "Bundeskanzler", "target": "Chancellor"})
    assert_fits(term, "post", "/v1/glossary/terms")
    assert_fits(api.get("/v1/glossary"), "get", "/v1/glossary")
    assert_fits(api.get("/v1/review"), "get", "/v1/review")


def test_a_push_and_the_story_status_fit_the_document(api, db):
    secret = new_secret()
    add_source(db, "wire", secret=secret)
    body = json.dumps(fixture_story())

    pushed = api.post(
        "/v1/sources/wire/stories", data=body, headers=signed_push_headers(secret, body)
    )

    assert pushed.status_code == 202
    assert_fits(pushed, "post", "/v1/sources/{name}/stories")
    status = api.get(pushed.get_json()["status_url"])
    assert_fits(status, "get", "/v1/stories/{story_id}")
