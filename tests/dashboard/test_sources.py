"""The sources pages: health as the ingest service judges it, last success and error, refused
items; add and edit through the sources registry; enable and disable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.ingest.source_health import record_item_error
from shared.models import IngestError, Source
from tests.support.dashboard import add_story, form_error
from tests.support.factories import add_source, new_secret


def source_named(db, name: str) -> Source | None:
    db.expire_all()
    return db.scalar(select(Source).where(Source.name == name))


def row_of(page: str, source: Source) -> str:
    return page.split(f'id="source-{source.id}"', 1)[1].split("</tr>", 1)[0]


def test_each_source_shows_its_health_last_success_last_error_and_refused_items(
    signed_in, db, clock
):
    fine = add_source(db, "stern")
    add_story(db, fine, "Neu")
    failing = add_source(db, "hnd", kind="rss", url="https://hnd.example/rss.xml")
    failing.failures_in_row, failing.last_error = 3, "HTTP 503 from the feed server"
    failing.last_attempt_at = failing.last_error_at = clock.now
    failing.last_success_at = clock.now - timedelta(hours=2)
    record_item_error(db, failing.id, "urn:hnd:7", "no guid and no link")
    # Quiet by its own setting (an hour), though the old global default said six hours.
    quiet = add_source(db, "dpa", quiet_after_seconds=3600)
    add_story(db, quiet, "Alt", received=clock.now - timedelta(hours=2))
    db.commit()

    page = signed_in.get("/sources").get_data(as_text=True)

    assert 'health-ok">ok<' in row_of(page, fine)
    row = row_of(page, failing)
    assert 'health-failing">failing<' in row
    assert "failed 3 times in a row: HTTP 503 from the feed server" in row
    assert "3 in a row" in row and ">1</a>" in row  # one refused item, linked
    assert 'health-quiet">quiet<' in row_of(page, quiet)
    assert "no new story for 2 h (expected within 60 min)" in row_of(page, quiet)


def test_a_sources_page_lists_what_it_sent_that_could_not_be_taken_in(signed_in, db):
    source = add_source(db, "hnd")
    record_item_error(db, source.id, "broken.xml", "not well-formed (invalid token): line 3")
    record_item_error(db, source.id, "broken.xml", "not well-formed (invalid token): line 3")
    db.commit()

    errors = signed_in.get(f"/sources/{source.id}").get_data(as_text=True).split('id="errors"')[1]

    assert "broken.xml" in errors and "not well-formed (invalid token): line 3" in errors
    assert '<td class="num">2</td>' in errors


def test_a_feed_source_is_added_through_the_form(post, db):
    answer = post(
        "/sources/new",
        name="hnd-nord",
        kind="rss",
        url="https://hnd.example/nord/rss.xml",
        language="de",
        attribution="Source: HND",
        poll_interval_seconds="120",
        quiet_after_seconds="7200",
        fetch_full_text="on",
        engine_route="urgency<=2:deepl,*:local",
    )

    assert answer.status_code == 302, answer.get_data(as_text=True)
    source = source_named(db, "hnd-nord")
    assert source.engine_route == "urgency<=2:deepl,*:local"
    assert (source.kind, source.url, source.poll_interval_seconds) == (
        "rss",
        "https://hnd.example/nord/rss.xml",
        120,
    )
    assert (source.quiet_after_seconds, source.fetch_full_text) == (7200, True)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"name": "Bad Name"}, "a name is 1–100 lower-case letters"),
        ({"kind": "rss"}, "an rss source needs a url"),
        ({"kind": "rss", "url": "ftp://x.example/feed"}, "url must be an absolute http(s) URL"),
        ({"secret": "plain"}, "a Standard Webhooks secret starts with whsec_"),
        ({"poll_interval_seconds": "5"}, "poll_interval_seconds must be 30–86400"),
        ({"quiet_after_seconds": "soon"}, "quiet_after_seconds must be a whole number"),
        ({"kind": "folder", "folder": "../../etc"}, "is outside the inbox directory"),
        ({"language": "Deutsch"}, "language must be a BCP 47 tag"),
        ({"engine_route": "urgent:deepl"}, "engine_route: &#39;urgent&#39;: a condition is"),
    ],
)
def test_a_bad_source_is_refused_with_the_registrys_reason_and_nothing_stored(
    post, db, form, reason
):
    answer = post("/sources/new", **{"name": "wire", "secret": new_secret()} | form)

    assert answer.status_code == 422
    error = form_error(answer)
    assert reason in error
    assert db.scalars(select(Source)).all() == []


def test_editing_keeps_the_secret_and_a_masked_feed_password(signed_in, post, db):
    secret = new_secret()
    source = add_source(db, "hnd", secret=secret)
    source.kind, source.url = "rss", "https://reader:hunter2@hnd.example/rss"
    db.commit()

    page = signed_in.get(f"/sources/{source.id}").get_data(as_text=True)
    assert "hunter2" not in page and secret not in page
    assert 'value="https://reader:***@hnd.example/rss"' in page
    answer = post(
        f"/sources/{source.id}",
        kind="rss",
        url="https://reader:***@hnd.example/rss",
        language="de",
        poll_interval_seconds="600",
    )

    assert answer.status_code == 302, answer.get_data(as_text=True)
    saved = source_named(db, "hnd")
    assert saved.url == "https://reader:hunter2@hnd.example/rss"
    assert (saved.secret, saved.poll_interval_seconds) == (secret, 600)


def test_disabling_and_enabling_go_through_the_registry(signed_in, post, db, clock):
    source = add_source(db, "hnd", kind="rss", url="https://hnd.example/rss")
    source.next_poll_at, source.etag = clock.now + timedelta(minutes=5), '"abc"'
    db.commit()

    post(f"/sources/{source.id}/disable")
    off = source_named(db, "hnd")
    assert off.enabled is False and off.etag is None  # the next poll starts afresh
    assert "hnd disabled." in signed_in.get("/sources").get_data(as_text=True)
    post(f"/sources/{source.id}/enable")
    assert source_named(db, "hnd").enabled is True


def test_enabling_a_source_that_is_not_complete_says_what_is_missing(signed_in, post, db):
    source = add_source(db, "hnd", enabled=False)
    source.secret = None  # a push source without its secret
    db.commit()

    post(f"/sources/{source.id}/enable")

    assert source_named(db, "hnd").enabled is False
    page = signed_in.get("/sources").get_data(as_text=True)
    assert "Not changed: a push source needs a secret. Edit the source first." in page
    assert db.scalars(select(IngestError)).all() == []
