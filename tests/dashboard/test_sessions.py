"""Sessions that end: sign-out, a new password and disabling end every session of the user, in
every browser (a copied cookie too); a session unused for the idle time ends; too many sign-ins
get the dashboard's own page with Retry-After."""

from __future__ import annotations

from sqlalchemy import select

from services.dashboard.app import create_app
from services.dashboard.users import save_user, set_enabled
from shared.models import AuditEvent, User
from tests.support.dashboard import PASSWORD, csrf_token, sign_in

COOKIE = "syndikat_session"


def copy_session(source, app):  # type: ignore[no-untyped-def]
    """A second browser holding a copy of `source`'s session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, source.get_cookie(COOKIE).value)
    return other


def sign_out(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert answer.status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_opens_pages(app, signed_in):
    copied = copy_session(signed_in, app)
    assert copied.get("/partners").status_code == 200
    sign_out(signed_in)
    answer = copied.get("/partners")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")


def test_signing_out_in_one_browser_ends_the_users_other_sessions(app, signed_in, editor):
    laptop = app.test_client()
    assert sign_in(laptop, editor).status_code == 302
    sign_out(signed_in)
    assert laptop.get("/partners").status_code == 302


def test_a_new_password_ends_every_session_even_a_copied_one(app, signed_in, db, editor):
    copied = copy_session(signed_in, app)
    save_user(db, editor, "another long password")
    db.commit()
    assert copied.get("/partners").status_code == 302
    assert signed_in.get("/partners").status_code == 302


def test_disabling_a_user_ends_their_sessions_and_enabling_does_not_bring_them_back(
    app, signed_in, db, editor
):
    copied = copy_session(signed_in, app)
    user = db.scalars(select(User)).one()
    set_enabled(user, False)
    db.commit()
    set_enabled(user, True)
    db.commit()
    assert copied.get("/partners").status_code == 302
    assert signed_in.get("/partners").status_code == 302
    assert sign_in(signed_in, editor).status_code == 302  # signing in again works


def test_a_session_unused_for_the_idle_time_ends(app, client, editor, clock):
    app.config["DASHBOARD_SESSION_IDLE_MINUTES"] = 60
    assert sign_in(client, editor).status_code == 302
    for _ in range(3):  # each use starts the idle time again
        clock.advance(minutes=59)
        assert client.get("/partners").status_code == 200
    clock.advance(minutes=61)
    answer = client.get("/partners")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "without use" in page


def test_a_page_refreshing_itself_does_not_keep_a_session_alive(app, client, editor, clock):
    app.config["DASHBOARD_SESSION_IDLE_MINUTES"] = 60
    assert sign_in(client, editor).status_code == 302
    fragment = {"X-Dashboard-Fragment": "1"}
    for _ in range(4):
        clock.advance(minutes=20)
        client.get("/overview/live", headers=fragment)
    assert client.get("/overview/live", headers=fragment).status_code == 401
    assert client.get("/partners").status_code == 302


def test_too_many_sign_ins_get_a_styled_page_with_retry_after(db_env, editor, db):
    client = create_app({"RATELIMIT_STORAGE_URI": "memory://"}).test_client()
    for _ in range(10):
        assert sign_in(client, editor, "wrong password!").status_code == 401
    answer = sign_in(client, editor, PASSWORD)
    assert answer.status_code == 429
    assert 0 < int(answer.headers["Retry-After"]) <= 60
    page = answer.get_data(as_text=True)
    assert "dashboard.css" in page  # the dashboard's own template
    assert "Too many sign-in attempts" in page
    assert answer.headers["Content-Security-Policy"]
    failed = db.scalars(select(AuditEvent).where(AuditEvent.action == "sign-in.failed")).all()
    assert len(failed) == 10


def test_idle_sessions_are_not_kept_longer_than_the_setting_says(db_env, monkeypatch):
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_DASHBOARD_SESSION_IDLE_MINUTES", "15")
    services.reset_settings()
    assert create_app().config["DASHBOARD_SESSION_IDLE_MINUTES"] == 15
