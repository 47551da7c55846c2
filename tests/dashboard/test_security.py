"""Signing in, and what the dashboard refuses: no login, no CSRF token, crafted links, scripts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.dashboard.app import create_app
from services.dashboard.security import SECURITY_HEADERS
from services.dashboard.users import save_user
from shared.config import ConfigurationError
from shared.models import Partner, User
from tests.support.dashboard import PASSWORD, add_delivery, add_story, csrf_token, sign_in
from tests.support.factories import add_partner, add_source

PAGES = [
    "/",
    "/overview/live",
    "/stories",
    "/review",
    "/partners",
    "/partners/new",
    "/partners/1",
    "/sources",
    "/sources/new",
    "/sources/1",
    "/dead-letters",
    "/glossary",
]
STORY = "00000000-0000-0000-0000-000000000001"
FORMS = [
    "/logout",
    "/deliveries/1/resend",
    "/dead-letters/replay",
    "/partners/new",
    "/partners/1",
    "/partners/1/enable",
    "/partners/1/disable",
    "/partners/1/test",
    "/partners/1/feed-token",
    "/sources/new",
    "/sources/1",
    "/sources/1/enable",
    "/sources/1/disable",
    "/glossary/terms",
    "/glossary/terms/remove",
    f"/review/{STORY}/approve",
    f"/review/{STORY}/segments/0",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_strangers_to_the_login(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("headers", [{"X-Dashboard-Fragment": "1"}, {"Accept": "application/json"}])
def test_scripts_and_json_clients_get_401_not_a_login_page(client, headers):
    answer = client.get("/overview/live", headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", FORMS)
def test_forms_without_a_csrf_token_are_refused(signed_in, path):
    answer = signed_in.post(path, data={"reason": "x"})
    assert answer.status_code == 400
    assert "CSRF" in answer.get_data(as_text=True)


def test_a_wrong_csrf_token_is_refused_too(signed_in, db):
    partner = add_partner(db)
    answer = signed_in.post(f"/partners/{partner.id}/disable", data={"csrf_token": "forged"})
    assert answer.status_code == 400
    assert db.get(Partner, partner.id).enabled is True


def test_login_without_a_csrf_token_is_refused(client, editor):
    answer = client.post("/login", data={"name": editor, "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/").status_code == 302


def test_a_wrong_password_or_unknown_name_signs_nobody_in(client, editor):
    for name, password in ((editor, "wrong password!"), ("nobody", PASSWORD)):
        answer = sign_in(client, name, password)
        assert answer.status_code == 401
        assert "Wrong name or password" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_signing_in_leads_back_to_the_page_asked_for(client, editor):
    answer = sign_in(client, editor, next_path="/partners")
    assert answer.headers["Location"] == "/partners"
    assert client.get("/partners").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_a_crafted_next_link_never_leads_off_the_site(client, editor, target):
    answer = sign_in(client, editor, next_path=target)
    assert answer.headers["Location"] == "/"


def test_the_session_cookie_is_secure_httponly_and_samesite(db_env, editor):
    client = create_app({"RATELIMIT_ENABLED": False}).test_client()
    answer = sign_in(client, editor)
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("syndikat_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie


def test_secure_cookies_can_be_turned_off_for_plain_http(db_env, editor, monkeypatch):
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_DASHBOARD_SECURE_COOKIES", "false")
    services.reset_settings()
    answer = sign_in(create_app({"RATELIMIT_ENABLED": False}).test_client(), editor)
    assert "Secure" not in answer.headers["Set-Cookie"]


def test_signing_out_ends_the_session(signed_in):
    answer = signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/")})
    assert answer.status_code == 302
    assert signed_in.get("/").status_code == 302


def test_a_new_password_or_a_disabled_user_ends_open_sessions(signed_in, db, editor):
    save_user(db, editor, "another long password")
    db.commit()
    assert signed_in.get("/").status_code == 302
    sign_in(signed_in, editor, "another long password")
    assert signed_in.get("/").status_code == 200
    db.scalars(select(User)).one().enabled = False
    db.commit()
    assert signed_in.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/login", "/", "/stories", "/healthz", "/metrics"])
def test_every_answer_carries_the_security_headers(signed_in, path):
    answer = signed_in.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_script_or_style(signed_in):
    page = signed_in.get("/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert '<script src="/static/dashboard.js" defer></script>' in page


def test_a_headline_with_a_script_is_shown_escaped(signed_in, db):
    source = add_source(db)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    story = add_story(db, source, evil)
    add_delivery(db, story, add_partner(db), error='<b onmouseover="x">500</b>', attempts=2)
    for path in ("/stories", f"/stories/{story.id}", "/stories?q=script"):
        page = signed_in.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert '<b onmouseover="x">' not in page


def test_login_attempts_are_rate_limited(db_env, editor):
    app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    answers = [sign_in(client, editor, "wrong password!").status_code for _ in range(11)]
    assert answers[:10] == [401] * 10
    assert answers[10] == 429


def test_users_and_objects_that_do_not_exist_get_404_not_errors(signed_in, post):
    missing = signed_in.get("/stories/not-a-uuid")
    assert missing.status_code == 404
    assert "There is nothing here" in missing.get_data(as_text=True)
    assert signed_in.get("/stories/00000000-0000-0000-0000-000000000000").status_code == 404
    assert post("/sources/999/enable").status_code == 404


def test_a_bad_time_zone_setting_is_a_clear_error_at_start(db_env, monkeypatch):
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_DASHBOARD_TIMEZONE", "Mars/Olympus")
    services.reset_settings()
    with pytest.raises(ConfigurationError, match="TIMEZONE='Mars/Olympus': not a time zone"):
        create_app()


def test_the_login_page_says_how_users_are_made(client):
    page = client.get("/login").get_data(as_text=True)
    assert "syndikat users add" in page


def rate_limited_app(monkeypatch, proxies: str):  # type: ignore[no-untyped-def]
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_DASHBOARD_TRUSTED_PROXIES", proxies)
    services.reset_settings()
    return create_app({"RATELIMIT_STORAGE_URI": "memory://"})


def sign_in_from(client, editor, address: str) -> int:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    answer = client.post(
        "/login",
        data={"csrf_token": token, "name": editor, "password": "wrong password!"},
        headers={"X-Forwarded-For": address},
    )
    return answer.status_code


def test_behind_a_trusted_proxy_the_sign_in_limit_counts_each_client(db_env, editor, monkeypatch):
    client = rate_limited_app(monkeypatch, "1").test_client()
    assert [sign_in_from(client, editor, "203.0.113.7") for _ in range(11)][-1] == 429
    assert sign_in_from(client, editor, "198.51.100.9") == 401  # another client: not limited


def test_without_trusted_proxies_forwarded_addresses_are_not_believed(db_env, editor, monkeypatch):
    client = rate_limited_app(monkeypatch, "0").test_client()
    answers = [sign_in_from(client, editor, f"203.0.113.{n}") for n in range(11)]
    assert answers[-1] == 429  # one client (the proxy), however many addresses it claims


def test_behind_a_trusted_proxy_https_is_known_and_the_csrf_check_wants_a_referrer(
    db_env, editor, monkeypatch
):
    client = rate_limited_app(monkeypatch, "1").test_client()
    token = csrf_token(client)
    form = {"csrf_token": token, "name": editor, "password": PASSWORD}
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "news.example"}
    refused = client.post("/login", data=form, headers=https)
    assert refused.status_code == 400 and "referrer" in refused.get_data(as_text=True)
    accepted = client.post(
        "/login", data=form, headers=https | {"Referer": "https://news.example/login"}
    )
    assert accepted.status_code == 302


HOSTILE = [
    "\x00",
    "A" * 100_000,
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "' OR 1=1 --",
    "😀 \u202e\ufeff",
    "%s%n{source}{0}",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:12]))
def test_hostile_form_values_get_a_clear_answer_never_an_error(post, db, value):
    story = add_story(db, add_source(db, "wire"), "Hafen")
    partner = add_partner(db, "24hw")
    fields = [
        *("name", "kind", "url", "folder", "secret", "language", "attribution"),
        *("poll_interval_seconds", "quiet_after_seconds", "method", "endpoint", "languages"),
        *("subjects", "sources", "urgency", "attribution_template", "byline_policy", "byline"),
        *("wordpress_user", "wordpress_app_password", "wordpress_author_id", "source"),
        *("target", "reason", "english", "then", "partner", "since", "next"),
    ]
    form = dict.fromkeys(fields, value)
    for path in [
        "/sources/new",
        f"/sources/{story.source_id}",
        "/partners/new",
        f"/partners/{partner.id}",
        f"/partners/{partner.id}/disable",
        "/glossary/terms",
        "/glossary/terms/remove",
        "/dead-letters/replay",
        f"/review/{story.id}/segments/0",
        f"/review/{story.id}/approve",
    ]:
        answer = post(path, **form)
        assert answer.status_code < 500, (path, answer.status_code)
        location = answer.headers.get("Location", "")
        assert not location.startswith(("//", "http", "javascript")), location
    if value == "\x00":  # refused before any handler: the disable did not happen
        assert db.get(Partner, partner.id).enabled is True
