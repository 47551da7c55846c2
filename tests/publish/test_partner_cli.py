"""`syndikat partners …` and `syndikat deliveries …`: register, change, show, never leak secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from services.cli import main
from services.publish import delivery
from shared.models import Partner
from tests.support.factories import add_partner, new_secret
from tests.support.publishing import current, fan_out, only_delivery, translated_version
from tests.support.receiver import Answer
from tests.support.settings import changed_settings


def partner(db: Any, name: str) -> Partner:
    return db.scalars(select(Partner).where(Partner.name == name)).one()


def test_a_webhook_partner_is_registered_with_filters_and_its_secret_stays_hidden(syndikat, db):
    secret = new_secret()
    added = syndikat(
        "partners", "add", "24hw", "--webhook", "http://127.0.0.1:9/hook", "--secret", secret,
        "--language", "de", "--subject", "Politik", "--source", "hnd", "--urgency", "3",
        "--attribution-template", "Via {source}", "--byline-policy", "partner",
        "--byline", "24HW Staff",
    )  # fmt: skip
    shown = syndikat("partners", "show", "24hw")
    listed = syndikat("partners", "list")

    assert added.exit_code == 0, added.output
    saved = partner(db, "24hw")
    assert saved.secret == secret
    assert saved.filters == {
        "languages": ["de"], "subjects": ["Politik"], "sources": ["hnd"], "urgency": 3
    }  # fmt: skip
    assert (saved.byline_policy, saved.byline) == ("partner", "24HW Staff")
    details = json.loads(shown.output)
    assert details["secret_set"] is True and details["attribution_template"] == "Via {source}"
    for output in (added.output, shown.output, listed.output):
        assert secret not in output
    stored = db.execute(text("select secret from partners")).scalar_one()
    assert secret not in stored  # encrypted at rest


def test_changing_a_partner_touches_only_what_is_given(syndikat, db):
    syndikat("partners", "add", "p", "--webhook", "http://127.0.0.1:9/a", "--secret", new_secret(),
        "--language", "de", "--credential", "user=ed")  # fmt: skip

    changed = syndikat("partners", "add", "p", "--subject", "Sport", "--credential", "token=t0k3n")

    assert changed.exit_code == 0, changed.output
    saved = partner(db, "p")
    assert saved.endpoint == "http://127.0.0.1:9/a"
    assert saved.filters == {"languages": ["de"], "subjects": ["Sport"]}
    assert saved.credentials_dict() == {"user": "ed", "token": "t0k3n"}
    assert "t0k3n" not in syndikat("partners", "show", "p").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--webhook", "http://127.0.0.1:9/h", "--secret", "nope"], "whsec_"),
        (["--webhook", "http://127.0.0.1:9/h"], "needs: secret"),
        (["--webhook", "ftp://x/h", "--secret", new_secret()], "http(s)"),
        (["--method", "webhook", "--secret", new_secret()], "needs: endpoint"),
        (
            [
                "--webhook",
                "http://127.0.0.1:9/h",
                "--secret",
                new_secret(),
                "--attribution-template",
                "{source.__class__}",
            ],
            "only {source}",
        ),
    ],
    ids=["bad secret", "no secret", "not http", "no endpoint", "template attribute"],
)
def test_bad_registrations_are_refused_and_nothing_is_stored(syndikat, db, args, message):
    refused = CliRunner().invoke(main, ["partners", "add", "bad", *args])

    assert refused.exit_code != 0
    assert message in refused.output
    assert db.scalars(select(Partner)).all() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/h",
        "http://169.254.169.254/h",
        "http://10.0.0.1/h",
        "http://[::ffff:127.0.0.1]/h",
    ],
)
def test_a_partner_url_at_a_private_address_is_refused_unless_allow_listed(syndikat, db, url):
    with changed_settings() as change:
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="")
        refused = CliRunner().invoke(
            main, ["partners", "add", "ssrf", "--webhook", url, "--secret", new_secret()]
        )
    assert refused.exit_code != 0
    assert "SYNDIKAT_ALLOW_PRIVATE_HOSTS" in refused.output
    assert db.scalars(select(Partner)).all() == []


def test_a_feed_partner_gets_a_token_shown_once_and_stored_hashed(syndikat, db):
    added = syndikat("partners", "add", "puller", "--method", "feed")
    renewed = syndikat("partners", "feed-token", "puller")

    token = added.output.split("keep it): ")[1].split()[0]
    new_token = renewed.output.split("keep it): ")[1].split()[0]
    assert token != new_token
    saved = partner(db, "puller")
    assert saved.feed_token_hash and token not in saved.feed_token_hash
    assert "/v1/feeds/puller.atom" in added.output
    assert new_token not in syndikat("partners", "show", "puller").output


def test_disable_and_enable_by_hand(syndikat, db):
    syndikat("partners", "add", "p", "--webhook", "http://127.0.0.1:9/a", "--secret", new_secret())

    syndikat("partners", "disable", "p", "--reason", "contract paused")
    assert "disabled (contract paused" in syndikat("partners", "list").output
    assert "enabled" in syndikat("partners", "enable", "p").output
    assert partner(db, "p").enabled is True and partner(db, "p").disabled_reason is None


def test_rotating_a_secret_keeps_the_old_one_for_the_overlap(syndikat, db):
    old, new = new_secret(), new_secret()
    syndikat("partners", "add", "p", "--webhook", "http://127.0.0.1:9/a", "--secret", old)

    rotated = syndikat("partners", "rotate-secret", "p", "--secret", new, "--overlap-hours", "48")

    assert rotated.exit_code == 0, rotated.output
    saved = partner(db, "p")
    assert (saved.secret, saved.previous_secret) == (new, old)
    assert old not in rotated.output and new not in rotated.output


class StandInWordPress:
    """Where the WordPress method is not installed, a stand-in lets the command be checked."""

    name = "wordpress"

    def send(self, outgoing: Any) -> Any:
        raise AssertionError("nothing is sent here")


def test_add_wordpress_asks_for_the_app_password_and_never_prints_it(
    syndikat, db, monkeypatch, partner_site
):
    from services.publish import methods

    monkeypatch.setitem(
        methods.METHODS, "wordpress", methods.METHODS.get("wordpress", StandInWordPress())
    )
    site = partner_site.base_url + "/wp-json/"  # answers the sign-in with 200
    added = CliRunner().invoke(
        main,
        ["partners", "add-wordpress", "24hw", "--wordpress", site,
         "--user", "syndikat", "--author-id", "7"],
        input="abcd efgh ijkl\n",
    )  # fmt: skip
    listed = syndikat("partners", "list")

    assert added.exit_code == 0, added.output
    saved = partner(db, "24hw")
    assert saved.credentials_dict() == {
        "user": "syndikat", "app_password": "abcd efgh ijkl", "author_id": 7
    }  # fmt: skip
    assert saved.byline_policy == "partner"
    assert f"24hw\twordpress\t{site}" in listed.output
    assert partner_site.requests[0].path.endswith("/wp-json/wp/v2/users/me?context=edit")
    assert "abcd" not in added.output + listed.output


def test_deliveries_are_listed_and_replayed_from_the_shell(syndikat, db, wire, partner_site):
    add_partner(db, "24hw", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    target = only_delivery(db, "24hw")
    partner_site.script.append(Answer(status=500))
    delivery.attempt(target.id)

    listed = syndikat("deliveries", "list", "--partner", "24hw", "--state", "pending")
    by_partner = syndikat("deliveries", "replay", "--partner", "24hw", "--since", "1h")
    one = syndikat("deliveries", "replay", str(target.id))
    refused = CliRunner().invoke(main, ["deliveries", "replay", "999999"])
    no_since = CliRunner().invoke(main, ["deliveries", "replay", "--partner", "24hw"])

    assert f"{target.id}\t24hw\tstory.published\tpending\tattempts 1\tHTTP 500" in listed.output
    assert "1 deliveries to 24hw replayed" in by_partner.output
    assert target.webhook_id in one.output
    assert refused.exit_code != 0 and "no delivery 999999" in refused.output
    assert no_since.exit_code != 0 and "--since" in no_since.output
    assert current(db, target).attempts == 0
    assert delivery.attempt(target.id) == "delivered"
