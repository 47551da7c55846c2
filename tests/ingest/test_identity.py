"""A story is its source's: another source can never update or kill it, and ids that are not URIs
are scoped to their source. A known version with other content is a conflict, never dropped.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from services.ingest.folders import scan_folder
from services.ingest.push_client import signed_push_headers
from shared import tasks
from shared.models import IngestError, OutboxMessage, Source, Story, StoryEvent, StoryVersion
from tests.ingest.test_folders import drop, folder_source, inbox, listing
from tests.ingest.test_push_api import counts, push
from tests.support.factories import FIXTURES, add_source, fixture_story, new_secret

G2_ITEM = (FIXTURES / "newsml-g2" / "hafen-streik.v1.xml").read_bytes()
G2_GUID = b"urn:newsml:hnd.example:20231201:hafen-warnstreik"
NITF = (FIXTURES / "nitf" / "stadtrat-haushalt.xml").read_bytes()


@pytest.fixture
def other(db: Any) -> str:
    """The push secret of a second source, "other"."""
    value = new_secret()
    add_source(db, "other", secret=value)
    return value


__all__ = ["inbox"]  # the watched-folder fixture, shared with test_folders


def push_xml(client: Any, secret: str, body: bytes, source: str) -> Any:
    headers = signed_push_headers(secret, body.decode()) | {"Content-Type": "application/xml"}
    return client.post(f"/v1/sources/{source}/stories", data=body, headers=headers)


def story_of(db: Any, story_id: str) -> Story:
    db.expire_all()
    return db.get_one(Story, uuid.UUID(story_id))


def stages(db: Any, story: Story) -> list[str]:
    query = select(StoryEvent.stage).where(StoryEvent.story_id == story.id)
    return list(db.scalars(query.order_by(StoryEvent.id)))


def test_another_sources_kill_with_the_same_uri_is_its_own_story(client, secret, other, db):
    first = push(client, secret, fixture_story()).get_json()

    answer = push(client, other, fixture_story(version="2", pubstatus="canceled"), "other")

    assert answer.status_code == 202
    assert answer.get_json()["id"] != first["id"]
    theirs = story_of(db, answer.get_json()["id"])
    assert (theirs.source.name, theirs.uri, theirs.state) == (
        "other",
        "urn:syndikat:test:rathaus",
        "killed",
    )
    mine = story_of(db, first["id"])
    assert (mine.source.name, mine.state) == ("wire", "received")
    assert [v.version for v in mine.versions] == ["1"]
    # Nothing was withdrawn from the partners that have the first source's story.
    assert db.scalars(select(OutboxMessage.task_name)).all() == [tasks.TRANSLATE_VERSION]


def test_another_sources_changed_text_is_not_an_update_of_the_story(client, secret, other, db):
    first = push(client, secret, fixture_story()).get_json()
    changed = fixture_story(
        version="2", headlines=[{"role": "main", "value": "Das Rathaus wird verkauft"}]
    )

    answer = push(client, other, changed, "other").get_json()

    assert answer["outcome"] == "original" and answer["id"] != first["id"]
    mine = story_of(db, first["id"])
    assert mine.headline == "Das Rathaus bleibt am Montag geschlossen"
    assert [v.version for v in mine.versions] == ["1"]


def test_each_version_records_the_source_that_sent_it_and_the_timeline_names_it(client, secret, db):
    pushed = push(client, secret, fixture_story()).get_json()
    push(client, secret, fixture_story(version="2", pubstatus="canceled"))

    status = client.get(f"/v1/stories/{pushed['id']}").get_json()

    assert [(v["version"], v["source"]) for v in status["versions"]] == [
        ("1", "wire"),
        ("2", "wire"),
    ]
    received = [e["detail"] for e in status["timeline"] if e["stage"] == "received"]
    assert received == [
        "version 1 (original) from wire via push",
        "version 2 (kill) from wire via push",
    ]
    wire = db.scalars(select(Source.id).where(Source.name == "wire")).one()
    assert set(db.scalars(select(StoryVersion.source_id))) == {wire}


def without_regsrc(nitf: bytes) -> bytes:
    return nitf.replace(b'regsrc="HND" ', b"")


SCOPED = {
    "ninjs": (lambda: fixture_story(uri="12345"), "12345"),
    "NewsML-G2": (lambda: G2_ITEM.replace(G2_GUID, b"N1"), "N1"),
    "NITF without regsrc": (lambda: without_regsrc(NITF), "20231204-stadtrat-haushalt"),
}


@pytest.mark.parametrize("case", list(SCOPED), ids=list(SCOPED))
def test_an_id_that_is_not_a_uri_is_scoped_to_its_source(client, secret, other, db, case):
    make, sent_id = SCOPED[case]
    for source, key in (("wire", secret), ("other", other)):
        body = make()
        answer = (
            push(client, key, body, source)
            if isinstance(body, dict)
            else push_xml(client, key, body, source)
        )
        assert answer.status_code == 202, answer.get_json()

    db.expire_all()
    stored = {(s.source.name, s.uri) for s in db.scalars(select(Story))}
    assert stored == {
        ("wire", f"urn:syndikat:wire:{sent_id}"),
        ("other", f"urn:syndikat:other:{sent_id}"),
    }


@pytest.mark.parametrize(
    "uri", ["urn:newsml:dpa.com:20090101:abc", "https://example.com/a?b=1", "tag:dpa.com,2026:1"]
)
def test_a_real_uri_is_kept_as_sent(client, secret, db, uri):
    push(client, secret, fixture_story(uri=uri))

    assert db.scalars(select(Story.uri)).one() == uri


def test_a_nitf_id_with_its_registrar_stays_the_registrars(client, secret, db):
    push_xml(client, secret, NITF, "wire")

    assert db.scalars(select(Story.uri)).one() == "urn:nitf:HND:20231204-stadtrat-haushalt"


def test_a_known_version_with_other_content_is_a_409_on_the_timeline(client, secret, db):
    pushed = push(client, secret, fixture_story()).get_json()
    changed = fixture_story(by="Jemand anderes")

    answer = push(client, secret, changed)

    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "version_conflict"
    assert "version 1 of urn:syndikat:test:rathaus was already received" in error["message"]
    assert error["details"] == ["uri: urn:syndikat:test:rathaus", "version: 1"]
    assert counts(db) == (1, 1, 1)
    story = story_of(db, pushed["id"])
    assert story.current_version.ninjs["by"] == "Testredaktion"
    assert stages(db, story)[-1] == "conflict"
    conflict = db.scalars(select(StoryEvent).where(StoryEvent.stage == "conflict")).one()
    assert "answered 409 version_conflict" in conflict.detail
    assert conflict.data["source"] == "wire"
    refusal = db.scalars(select(IngestError)).one()
    assert "409 version_conflict" in refusal.reason


def test_a_resend_with_only_a_new_versioncreated_is_still_a_duplicate(client, secret, db):
    push(client, secret, fixture_story())

    again = push(client, secret, fixture_story(versioncreated="2026-11-20T10:05:00+01:00"))

    assert again.status_code == 202 and again.get_json()["duplicate"] is True
    assert counts(db) == (1, 1, 1)


MESSAGE = (FIXTURES / "newsml-g2" / "message-two-items.xml").read_bytes()
#: The message again: its first item changed without a new version (a conflict), its second
#: item changed as version 2 (an update).
CONFLICTING_MESSAGE = (
    MESSAGE.replace(b"Elbtunnel am Wochenende", b"Elbtunnel ab Freitag")
    .replace(b'port-figures-en" version="1"', b'port-figures-en" version="2"')
    .replace(b"4.2 percent", b"4.3 percent")
)


def test_a_conflict_in_a_pushed_message_stores_none_of_its_items(client, secret, db):
    push_xml(client, secret, MESSAGE, "wire")

    answer = push_xml(client, secret, CONFLICTING_MESSAGE, "wire")

    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "version_conflict"
    assert counts(db)[:2] == (2, 2)
    assert db.scalars(select(StoryEvent.stage).where(StoryEvent.stage == "conflict")).all() == [
        "conflict"
    ]


def test_a_conflict_in_a_dropped_file_is_recorded_and_the_rest_goes_in(db, inbox):
    source_id = folder_source(db)
    drop(inbox, "message.xml", MESSAGE)
    scan_folder(source_id)
    drop(inbox, "message.xml", CONFLICTING_MESSAGE)

    result = scan_folder(source_id)

    assert (result.stored, result.conflicts, result.duplicates) == (1, 1, 0)
    assert "1 conflicting" in result.summary()
    assert len(listing(inbox, "done")) == 2 and listing(inbox, "error") == []
    db.expire_all()
    by_uri = {story.uri: story for story in db.scalars(select(Story))}
    tunnel = by_uri["urn:newsml:hnd.example:20231202:elbtunnel-sperrung"]
    assert tunnel.headline == "Elbtunnel am Wochenende in Richtung Norden gesperrt"
    assert stages(db, tunnel)[-1] == "conflict"
    assert [
        v.version for v in by_uri["urn:newsml:hnd.example:20231202:port-figures-en"].versions
    ] == [
        "1",
        "2",
    ]
    error = db.scalars(select(IngestError)).one()
    assert error.item_ref == tunnel.uri and "different content" in error.reason


def test_two_folders_with_the_same_file_make_two_stories(db, inbox, db_env):
    other_inbox = inbox.parent / "dpa"
    other_inbox.mkdir()
    first, second = folder_source(db), folder_source(db, name="dpa")
    drop(inbox, "story.xml", without_regsrc(NITF))
    drop(other_inbox, "story.xml", without_regsrc(NITF).replace(b"Haushalt", b"Etat"))

    scan_folder(first)
    scan_folder(second)

    db.expire_all()
    stored = {(s.source.name, s.uri, len(s.versions)) for s in db.scalars(select(Story))}
    assert stored == {
        ("hnd", "urn:syndikat:hnd:20231204-stadtrat-haushalt", 1),
        ("dpa", "urn:syndikat:dpa:20231204-stadtrat-haushalt", 1),
    }
