"""The audit log: sign-ins (good and failed, with the address), every change made in the
dashboard, the CLI and the API, with before and after and never a secret; the page and
`syndikat audit` filter it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from services.dashboard.app import create_app
from shared import audit
from shared.models import AuditEvent, DeliveryState
from tests.dashboard.test_review import FIXED, held, translation_of, unit_index
from tests.support.api import management_client
from tests.support.dashboard import LOST_NUMBER, PASSWORD, add_delivery, add_story, sign_in
from tests.support.factories import add_partner, add_source, new_secret

__all__ = ["held"]


def entries(db, action: str | None = None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    db.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.scalars(query))


def test_sign_ins_good_and_failed_are_recorded_with_the_address(client, db, editor):
    assert sign_in(client, editor, "wrong password!").status_code == 401
    assert sign_in(client, "nobody", "wrong password!").status_code == 401
    assert sign_in(client, editor).status_code == 302
    recorded = [(e.actor, e.action, e.target_name, e.address) for e in entries(db)]
    assert recorded == [
        ("editor", "sign-in.failed", "editor", "127.0.0.1"),
        ("nobody", "sign-in.failed", "nobody", "127.0.0.1"),
        ("editor", "sign-in", "editor", "127.0.0.1"),
    ]


@pytest.mark.parametrize(("proxies", "recorded"), [("1", "203.0.113.7"), ("0", "127.0.0.1")])
def test_behind_trusted_proxies_the_forwarded_address_is_recorded(
    db_env, db, editor, monkeypatch, proxies, recorded
):
    from tests.support import services

    monkeypatch.setenv("SYNDIKAT_DASHBOARD_TRUSTED_PROXIES", proxies)
    services.reset_settings()
    client = create_app({"RATELIMIT_ENABLED": False}).test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    sign_in(client, editor, "wrong password!")
    assert [e.address for e in entries(db, "sign-in.failed")] == [recorded]


def test_a_partner_change_is_recorded_with_before_and_after_and_no_secret(post, db):
    partner = add_partner(db, "24hw", endpoint="https://24hw.example/hooks/a")
    old_secret = partner.secret
    form = {
        "name": "24hw",
        "method": "webhook",
        "endpoint": "https://24hw.example/hooks/b",
        "attribution_template": "Source: {source}",
        "byline_policy": "wire",
        "secret": new_secret(),
    }
    assert post(f"/partners/{partner.id}", **form).status_code == 302
    assert post(f"/partners/{partner.id}/disable", reason="site moves").status_code == 302

    update, disable = entries(db, "partner.update") + entries(db, "partner.disable")
    assert (update.actor, update.target_kind, update.target_name) == ("editor", "partner", "24hw")
    assert update.before["endpoint"] == "https://24hw.example/hooks/a"
    assert update.after["endpoint"] == "https://24hw.example/hooks/b"
    assert "name" not in update.after  # only what changed
    assert disable.before["enabled"] is True and disable.after["enabled"] is False
    assert disable.detail.startswith("site moves")
    stored = json.dumps([[e.before, e.after, e.detail] for e in entries(db)])
    assert old_secret not in stored and form["secret"] not in stored


def test_a_refused_change_leaves_no_entry(post, db):
    partner = add_partner(db, "24hw")
    answer = post(f"/partners/{partner.id}", name="24hw", method="webhook", endpoint="ftp://x")
    assert answer.status_code == 422
    assert entries(db, "partner.update") == []


def test_resend_and_replay_are_recorded(post, db):
    partner = add_partner(db, "24hw")
    story = add_story(db, add_source(db), "A story")
    delivery = add_delivery(db, story, partner, DeliveryState.DEAD, error="HTTP 500")
    post(f"/deliveries/{delivery.id}/resend")
    post("/dead-letters/replay", partner=str(partner.id), since="24h")
    resend, replay = entries(db, "delivery.resend") + entries(db, "delivery.replay")
    assert (resend.target_kind, resend.target_id, resend.target_name) == (
        "delivery",
        str(delivery.id),
        "24hw",
    )
    assert (replay.target_kind, replay.target_name) == ("partner", "24hw")
    assert "replayed" in replay.detail


def test_review_edits_and_approvals_are_recorded_with_the_sentence_before_and_after(post, db, held):
    lost = unit_index(db, held, LOST_NUMBER)
    before = translation_of(db, held).segments[lost]["english"]
    post(f"/review/{held.id}/segments/{lost}", english=FIXED, then="approve")
    edit, approval = entries(db, "review.edit") + entries(db, "review.approve")
    assert edit.before == {"english": before} and edit.after == {"english": FIXED}
    assert (edit.target_kind, edit.target_id) == ("story", str(held.id))
    assert approval.actor == "editor"


def test_user_changes_and_sign_out_are_recorded_without_passwords(post, db):
    post("/users", name="dora", password="a long enough password", role="viewer")
    [created] = entries(db, "user.create")
    assert created.after == {"name": "dora", "role": "viewer", "enabled": True}
    post(f"/users/{created.target_id}/role", role="editor")
    assert [(e.before, e.after) for e in entries(db, "user.role")] == [
        ({"role": "viewer"}, {"role": "editor"})
    ]
    post("/logout")
    assert [e.actor for e in entries(db, "sign-out")] == ["editor"]
    assert "a long enough password" not in json.dumps([[e.before, e.after] for e in entries(db)])


def test_the_audit_page_filters_by_actor_action_target_and_time(signed_in, db, clock):
    clock.advance(hours=-3)
    audit.record(db, "cli:root", "partner.update", audit.Target("partner", 1, "24hw"))
    clock.advance(hours=3)
    audit.record(db, "api", "source.update", audit.Target("source", 2, "wire"))
    audit.record(db, "anna", "partner.disable", audit.Target("partner", 3, "nzz"))
    db.commit()

    def shown(**filters: str) -> list[str]:
        page = signed_in.get("/audit", query_string=filters).get_data(as_text=True)
        return [name for name in ("24hw", "wire", "nzz") if f" {name}" in page]

    assert shown() == ["24hw", "wire", "nzz"]
    assert shown(actor="api") == ["wire"]
    assert shown(action="partner.") == ["24hw", "nzz"]
    assert shown(target="partner:3") == ["nzz"]
    assert shown(target="wire") == ["wire"]
    assert shown(since="1h") == ["wire", "nzz"]
    assert signed_in.get("/audit?since=yesterday").status_code == 400


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def test_the_cli_records_as_its_unix_user_and_syndikat_audit_lists_newest_first(db, clock):
    added = run("users", "add", "erik", "--role", "editor", "--password-stdin", stdin=PASSWORD)
    assert added.exit_code == 0, added.output
    add_partner(db, "24hw")
    clock.advance(minutes=5)
    assert run("partners", "disable", "24hw", "--reason", "moving").exit_code == 0
    actor = audit.cli_actor()
    assert actor.startswith("cli:")

    listed = run("audit").output.splitlines()
    assert [line.split("\t")[1:3] for line in listed] == [
        [actor, "partner.disable"],
        [actor, "user.create"],
    ]
    assert run("audit", "--action", "user.").output.count("\n") == 1
    assert run("audit", "--actor", "anna").output == ""
    assert run("audit", "--since", "2m").output.count("\n") == 1
    as_json = [json.loads(line) for line in run("audit", "--json").output.splitlines()]
    assert (as_json[0]["before"]["enabled"], as_json[0]["after"]["enabled"]) == (True, False)
    assert as_json[0]["detail"] == "moving"
    assert as_json[1]["after"] == {"name": "erik", "role": "editor", "enabled": True}
    assert run("audit", "--since", "soon").exit_code != 0


def test_the_management_api_records_as_api(db):
    partner = add_partner(db, "24hw")
    answer = management_client().patch("/v1/partners/24hw", json={"enabled": False})
    assert answer.status_code == 200, answer.json
    [entry] = entries(db, "partner.update")
    assert (entry.actor, entry.target_id, entry.address) == ("api", str(partner.id), "127.0.0.1")
    assert entry.before["enabled"] is True and entry.after["enabled"] is False


def test_only_changed_fields_are_kept():
    assert audit.changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == (
        {"b": 2},
        {"b": 3, "c": 4},
    )
