"""`syndikat sources …` and `syndikat ingest`: the operator's way to run sources."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from shared.models import Source, Story
from tests.support.factories import FIXTURES, add_source, new_secret
from tests.support.feed_server import FeedServer


def test_a_feed_source_is_added_polled_and_listed(syndikat, db):
    with FeedServer() as server:
        url = server.serve("/rss", (FIXTURES / "feeds" / "hnd-rss.xml").read_bytes())
        added = syndikat(
            "sources", "add", "hnd", "--kind", "rss", "--url", url, "--interval", "120"
        )
        polled = syndikat("sources", "poll", "hnd")

    assert added.exit_code == 0, added.output
    assert polled.output.strip() == "hnd: 4 items: 3 stored, 0 known, 1 refused"
    listed = syndikat("sources", "list").output
    assert listed.startswith("hnd\trss\tok\t3 in 24 h\tlast item 20")
    errors = syndikat("sources", "errors", "hnd").output
    assert (
        "Rostocker Hafen meldet Passagierrekord\tthe item has neither a guid nor a link" in errors
    )


def test_show_gives_settings_and_status_but_never_the_secret(syndikat, db):
    secret = new_secret()
    syndikat("sources", "add", "stern", "--secret", secret, "--attribution", "Source: Stern")

    shown = syndikat("sources", "show", "stern")

    assert secret not in shown.output and "whsec_" not in shown.output
    status = json.loads(shown.output)
    assert status["has_secret"] is True
    assert status["attribution"] == "Source: Stern"
    assert syndikat("sources", "list").output.count(secret) == 0


def test_add_changes_only_what_it_is_given_and_disable_enable_work(syndikat, db):
    syndikat("sources", "add", "stern", "--secret", new_secret(), "--language", "de")
    syndikat("sources", "add", "stern", "--attribution", "Source: Stern")
    syndikat("sources", "disable", "stern")

    source = db.scalars(select(Source)).one()
    assert (source.language, source.attribution, source.enabled) == ("de", "Source: Stern", False)
    syndikat("sources", "enable", "stern")
    db.refresh(source)
    assert source.enabled


def test_a_sources_engine_route_is_checked_when_saved(syndikat, db):
    syndikat("sources", "add", "stern", "--secret", new_secret())

    refused = syndikat("sources", "add", "stern", "--engine-route", "urgent:deepl")
    saved = syndikat("sources", "add", "stern", "--engine-route", "urgency<=2:deepl,*:local")

    assert refused.exit_code != 0
    assert "engine_route: 'urgent': a condition is urgency<=N" in refused.output
    assert saved.exit_code == 0, saved.output
    assert json.loads(syndikat("sources", "show", "stern").output)["engine_route"] == (
        "urgency<=2:deepl,*:local"
    )


def test_a_sources_picture_policy_is_set_and_shown(syndikat, db):
    syndikat("sources", "add", "stern", "--secret", new_secret())
    assert json.loads(syndikat("sources", "show", "stern").output)["picture_policy"] == "without"

    held = syndikat("sources", "add", "stern", "--picture-policy", "hold")
    refused = syndikat("sources", "add", "stern", "--picture-policy", "maybe")

    assert held.exit_code == 0, held.output
    assert refused.exit_code != 0
    assert json.loads(syndikat("sources", "show", "stern").output)["picture_policy"] == "hold"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "rss"), "an rss source needs a url"),
        (("--kind", "rss", "--url", "ftp://x.example/feed"), "absolute http(s) URL"),
        (("--kind", "folder", "--folder", "/etc"), "outside the inbox"),
        (("--secret", "hunter2"), "starts with whsec_"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(syndikat, db, args, message):
    result = CliRunner().invoke(main, ["sources", "add", "x", *args])

    assert result.exit_code != 0
    assert message in result.output
    assert db.scalars(select(Source)).all() == []


def test_ingest_takes_xml_and_json_files_and_rejects_broken_ones(syndikat, db, tmp_path):
    add_source(db, "hnd")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<nitf><head></nitf>")
    files = [
        str(FIXTURES / "nitf" / "stadtrat-haushalt.xml"),
        str(FIXTURES / "newsml-g2" / "message-two-items.xml"),
        str(FIXTURES / "de-rathaus.json"),
        str(broken),
    ]

    result = CliRunner().invoke(main, ["ingest", *files, "--source", "hnd"])

    assert result.exit_code == 1
    assert result.output.count(": original") == 4
    assert "broken.xml: rejected: not well-formed XML" in result.output
    assert len(db.scalars(select(Story)).all()) == 4
