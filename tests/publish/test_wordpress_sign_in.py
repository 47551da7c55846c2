"""A WordPress partner signs in once when it is registered, against a real WordPress
(tests/support/wordpress.py): a wrong user or Application Password is refused then, with
WordPress's own words, and a partner whose login WordPress keeps refusing shows as failing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from services.dashboard.app import create_app
from services.dashboard.health import partner_health
from services.dashboard.users import save_user
from services.publish import delivery
from shared.models import Partner
from tests.support.api import AUTH, api_client
from tests.support.dashboard import PASSWORD, csrf_token, form_error, sign_in
from tests.support.factories import add_partner
from tests.support.publishing import current, fan_out, only_delivery, translated_version

# The first test may install WordPress with apt-get.
pytestmark = pytest.mark.timeout(900)
WRONG_PASSWORD = "aaaa bbbb cccc dddd eeee ffff"


def wordpress_refusal(site: Any, user: str, app_password: str) -> str:
    """What WordPress itself answers this login (the `message` of its 401)."""
    answer = httpx.get(
        f"{site.rest_url}wp/v2/users/me", params={"context": "edit"}, auth=(user, app_password)
    )
    assert answer.status_code == 401, answer.text
    return answer.json()["message"]


def add_wordpress(site: Any, user: str, app_password: str, name: str = "24hw") -> Any:
    command = ["partners", "add-wordpress", name, "--wordpress", site.rest_url, "--user", user]
    return CliRunner().invoke(main, command, input=f"{app_password}\n")


def stored_partners(db: Any) -> list[Partner]:
    db.expire_all()
    return list(db.scalars(select(Partner)))


@pytest.mark.parametrize("wrong", ["password", "user"])
def test_the_cli_refuses_a_wrong_login_with_wordpress_s_message(db, site, wrong):
    user, app_password = site.editor.login, site.editor.app_password
    if wrong == "password":
        app_password = WRONG_PASSWORD
    else:
        user = "nobody-by-this-name"

    refused = add_wordpress(site, user, app_password)

    assert refused.exit_code != 0
    assert wordpress_refusal(site, user, app_password) in refused.output
    assert "HTTP 401" in refused.output and app_password not in refused.output
    assert stored_partners(db) == []


def test_the_cli_accepts_the_right_login_and_refuses_changing_it_to_a_wrong_one(db, site):
    assert add_wordpress(site, site.editor.login, site.editor.app_password).exit_code == 0

    changed = add_wordpress(site, site.editor.login, WRONG_PASSWORD)

    assert changed.exit_code != 0
    assert wordpress_refusal(site, site.editor.login, WRONG_PASSWORD) in changed.output
    [partner] = stored_partners(db)
    assert partner.credentials_dict()["app_password"] == site.editor.app_password


def wordpress_body(site: Any, app_password: str) -> dict[str, Any]:
    credentials = {"user": site.editor.login, "app_password": app_password}
    return {
        "name": "24hw",
        "method": "wordpress",
        "endpoint": site.rest_url,
        "credentials": credentials,
    }


def test_the_api_refuses_a_wrong_login_with_wordpress_s_message(db_env, db, site):
    client = api_client()

    refused = client.post("/v1/partners", json=wordpress_body(site, WRONG_PASSWORD), headers=AUTH)
    accepted = client.post(
        "/v1/partners", json=wordpress_body(site, site.editor.app_password), headers=AUTH
    )
    wrong_again = {"credentials": wordpress_body(site, WRONG_PASSWORD)["credentials"]}
    changed = client.patch("/v1/partners/24hw", json=wrong_again, headers=AUTH)
    renamed_author = client.patch(
        "/v1/partners/24hw", json={"attribution_template": "Via {source}"}, headers=AUTH
    )

    message = wordpress_refusal(site, site.editor.login, WRONG_PASSWORD)
    assert refused.status_code == 422 and message in refused.json["error"]["message"]
    assert accepted.status_code == 201, accepted.json
    assert changed.status_code == 422 and message in changed.json["error"]["message"]
    assert renamed_author.status_code == 200, renamed_author.json
    [partner] = stored_partners(db)
    assert partner.credentials_dict()["app_password"] == site.editor.app_password


@pytest.fixture
def dashboard(db_env: str, db: Any) -> Any:
    """A dashboard client, signed in."""
    save_user(db, "editor", PASSWORD)
    db.commit()
    client = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}).test_client()
    assert sign_in(client, "editor").status_code == 302
    return client


def test_the_dashboard_form_refuses_a_wrong_login_with_wordpress_s_message(db, site, dashboard):
    def submit(app_password: str) -> Any:
        form = {
            "name": "24hw",
            "method": "wordpress",
            "endpoint": site.rest_url,
            "wordpress_user": site.editor.login,
            "wordpress_app_password": app_password,
            "attribution_template": "Source: {source}",
            "byline_policy": "wire",
        }
        return dashboard.post("/partners/new", data={"csrf_token": csrf_token(dashboard)} | form)

    refused = submit(WRONG_PASSWORD)
    message = wordpress_refusal(site, site.editor.login, WRONG_PASSWORD)
    assert refused.status_code == 422
    assert message in form_error(refused).replace("&#39;", "'")
    assert stored_partners(db) == []

    assert submit(site.editor.app_password).status_code == 302
    [partner] = stored_partners(db)
    assert partner.credentials_dict()["app_password"] == site.editor.app_password


def test_a_partner_whose_login_wordpress_keeps_refusing_shows_as_failing(
    db, wire, site, settings, clock
):
    """Revoked after registration: the deliveries meet WordPress's 401 and are retried."""
    settings(SYNDIKAT_PARTNER_AUTH_FAILING_AFTER="3600")
    credentials = {"user": site.editor.login, "app_password": WRONG_PASSWORD}
    add_partner(
        db,
        "revoked",
        endpoint=site.rest_url,
        method="wordpress",
        credentials=json.dumps(credentials),
    )
    fan_out(db, translated_version(db))
    target = only_delivery(db, "revoked")

    assert delivery.attempt(target.id, now=clock.now) == "retrying"
    refusal = current(db, target).last_error  # WordPress's words, as the delivery met them
    assert "HTTP 401" in refusal
    assert "FAILING" not in CliRunner().invoke(main, ["partners", "list"]).output
    clock.advance(minutes=59)
    assert partner_health(db, clock.now)[0].login_refused is None

    clock.set_to(current(db, target).next_attempt_at + timedelta(hours=1))
    assert delivery.attempt(target.id, now=clock.now) == "retrying"
    listed = CliRunner().invoke(main, ["partners", "list"]).output
    [health] = partner_health(db, clock.now)

    assert "revoked\twordpress" in listed and "FAILING: login refused (HTTP 401) since" in listed
    assert refusal in listed
    assert health.failing and refusal in health.login_refused


def test_the_overview_shows_the_refused_login(db, wire, site, settings, clock, dashboard):
    settings(SYNDIKAT_PARTNER_AUTH_FAILING_AFTER="60")
    credentials = {"user": site.editor.login, "app_password": WRONG_PASSWORD}
    add_partner(
        db,
        "revoked",
        endpoint=site.rest_url,
        method="wordpress",
        credentials=json.dumps(credentials),
    )
    fan_out(db, translated_version(db))
    assert delivery.attempt(only_delivery(db, "revoked").id, now=clock.now) == "retrying"
    before = dashboard.get("/overview/live").get_data(as_text=True)
    clock.advance(minutes=2)

    page = dashboard.get("/overview/live").get_data(as_text=True)
    partners_page = dashboard.get("/partners").get_data(as_text=True)

    assert "login refused" not in before
    assert "login refused (HTTP 401) since" in page
    assert "login refused (HTTP 401) since" in partners_page
