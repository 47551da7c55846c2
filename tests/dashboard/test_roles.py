"""Roles: viewers read, editors also review and resend, admins also change partners, sources,
the glossary and users. Every form is checked (403), and pages hide what a role cannot use."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.dashboard.users import save_user
from shared.models import Partner, Role, User
from tests.support.dashboard import PASSWORD, add_delivery, add_story, csrf_token, sign_in
from tests.support.factories import add_partner, add_source

STORY = "00000000-0000-0000-0000-000000000001"
#: (path, the least role that may post to it)
FORMS = [
    ("/deliveries/1/resend", Role.EDITOR),
    ("/queue/1/cancel", Role.EDITOR),
    ("/queue/1/resend", Role.EDITOR),
    ("/queue/bulk", Role.EDITOR),
    ("/dead-letters/replay", Role.EDITOR),
    (f"/review/{STORY}/approve", Role.EDITOR),
    (f"/review/{STORY}/segments/0", Role.EDITOR),
    ("/partners/new", Role.ADMIN),
    ("/partners/1", Role.ADMIN),
    ("/partners/1/enable", Role.ADMIN),
    ("/partners/1/disable", Role.ADMIN),
    ("/partners/1/test", Role.ADMIN),
    ("/partners/1/feed-token", Role.ADMIN),
    ("/sources/new", Role.ADMIN),
    ("/sources/1", Role.ADMIN),
    ("/sources/1/enable", Role.ADMIN),
    ("/sources/1/disable", Role.ADMIN),
    ("/glossary/terms", Role.ADMIN),
    ("/glossary/terms/remove", Role.ADMIN),
    ("/users", Role.ADMIN),
    ("/users/1/role", Role.ADMIN),
    ("/users/1/disable", Role.ADMIN),
    ("/users/1/enable", Role.ADMIN),
    ("/users/1/password", Role.ADMIN),
]


def client_as(app, db, role: Role):  # type: ignore[no-untyped-def]
    save_user(db, f"a-{role}", PASSWORD, role)
    db.commit()
    client = app.test_client()
    assert sign_in(client, f"a-{role}").status_code == 302
    return client


def post(client, path: str, **form):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, "/")} | form)


@pytest.mark.parametrize(("path", "needed"), FORMS)
def test_each_form_refuses_roles_below_the_one_it_needs(app, db, path, needed):
    add_partner(db)
    add_source(db)
    db.commit()
    for role in Role:
        answer = post(client_as(app, db, role), path)
        if role.allows(needed):
            assert answer.status_code != 403, (role, answer.text)
        else:
            assert answer.status_code == 403, role
            assert f"needs the {needed} role" in answer.get_data(as_text=True)


def test_every_form_of_the_dashboard_is_in_the_list_above(app):
    posted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and rule.endpoint not in {"auth.login", "auth.logout"}
    }
    with app.test_request_context():
        listed = {app.url_map.bind("").match(path, method="POST")[0] for path, _ in FORMS}
    assert posted <= listed


def test_a_viewer_changes_nothing_and_sees_no_buttons(app, db):
    partner = add_partner(db)
    source = add_source(db)
    story = add_story(db, source, "Held story")
    add_delivery(db, story, partner)
    db.commit()
    viewer = client_as(app, db, Role.VIEWER)
    answer = post(viewer, f"/partners/{partner.id}/disable", reason="no")
    assert answer.status_code == 403
    assert db.get(Partner, partner.id).enabled is True
    partners_page = viewer.get("/partners").get_data(as_text=True)
    assert ">Disable<" not in partners_page and ">Send test<" not in partners_page
    story_page = viewer.get(f"/stories/{story.id}").get_data(as_text=True)
    assert ">Resend<" not in story_page
    assert viewer.get("/users").status_code == 403
    assert viewer.get("/audit").status_code == 403
    assert 'href="/users"' not in viewer.get("/").get_data(as_text=True)


def test_an_editor_sees_resend_but_not_partner_changes(app, db):
    partner = add_partner(db)
    story = add_story(db, add_source(db), "A story")
    add_delivery(db, story, partner)
    db.commit()
    editor = client_as(app, db, Role.EDITOR)
    assert ">Resend<" in editor.get(f"/stories/{story.id}").get_data(as_text=True)
    assert ">Disable<" not in editor.get("/partners").get_data(as_text=True)


def test_an_admin_manages_users_on_the_users_page(app, db):
    admin = client_as(app, db, Role.ADMIN)
    assert admin.get("/users").status_code == 200
    answer = post(admin, "/users", name="carla", password="a long enough password", role="editor")
    assert answer.status_code == 302
    carla = db.scalar(select(User).where(User.name == "carla"))
    assert carla is not None and carla.role == "editor"
    carla_browser = admin.application.test_client()
    assert sign_in(carla_browser, "carla", "a long enough password").status_code == 302

    assert post(admin, f"/users/{carla.id}/role", role="viewer").status_code == 302
    assert post(admin, f"/users/{carla.id}/password", password="short").status_code == 302
    db.expire_all()
    assert db.get(User, carla.id).role == "viewer"
    assert carla_browser.get("/").status_code == 200  # a refused password ends nothing

    assert (
        post(admin, f"/users/{carla.id}/password", password="a new long password").status_code
        == 302
    )
    assert carla_browser.get("/").status_code == 302  # a new password ends her sessions
    assert sign_in(carla_browser, "carla", "a new long password").status_code == 302
    assert post(admin, f"/users/{carla.id}/disable").status_code == 302
    assert carla_browser.get("/").status_code == 302
    assert post(admin, f"/users/{carla.id}/role", role="king").status_code == 302
    db.expire_all()
    assert db.get(User, carla.id).role == "viewer"


def test_an_admin_cannot_lock_themselves_out(app, db):
    admin = client_as(app, db, Role.ADMIN)
    me = db.scalar(select(User).where(User.name == "a-admin"))
    post(admin, f"/users/{me.id}/disable")
    post(admin, f"/users/{me.id}/role", role="viewer")
    db.expire_all()
    assert (db.get(User, me.id).enabled, db.get(User, me.id).role) == (True, "admin")
    assert (
        post(admin, f"/users/{me.id}/password", password="my new long password").status_code == 302
    )
    assert admin.get("/users").status_code == 200  # setting one's own password keeps this session
