"""Intake decisions: versions, kills, language, sanitising — whichever way a story came in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.ingest.intake import Intake, take_story
from shared import db as database
from shared import ninjs, tasks
from shared.models import OutboxMessage, Source, Story, StoryEvent
from tests.support.factories import FIXTURES, add_source, fixture_story
from tests.support.wire import SHARED_CORPUS, WIRE, from_shared_corpus, wire_story


@pytest.fixture
def source_id(db: Any) -> int:
    return add_source(db, "wire", attribution="Source: HND").id


def take(source_id: int, doc: Any, **options: Any) -> Intake:
    with database.session() as session:
        return take_story(session, session.get_one(Source, source_id), doc, "test", **options)


def story(db: Any, uri: str) -> Story:
    return db.scalars(select(Story).where(Story.uri == uri)).one()


def queued(db: Any) -> list[str]:
    return list(db.scalars(select(OutboxMessage.task_name).order_by(OutboxMessage.id)))


def timeline(db: Any, story_id: Any) -> list[tuple[str, str | None]]:
    query = select(StoryEvent).where(StoryEvent.story_id == story_id).order_by(StoryEvent.id)
    return [(event.stage, event.detail) for event in db.scalars(query)]


WIRE_SETS = [
    pytest.param(WIRE, id="own"),
    pytest.param(SHARED_CORPUS, id="shared-corpus", marks=from_shared_corpus),
]
#: Each set's story in three versions (v1, v2, v3-kill): its file name's stem and its uri.
VERSIONED = [
    pytest.param(
        WIRE, "01-landtag-krippe", "urn:newsml:ewn.example:20261112:landtag-krippe", id="own"
    ),
    pytest.param(
        SHARED_CORPUS,
        "01-rutte-nato",
        "urn:newsml:hnd.example:20231130:nato-rutte-scholz",
        id="shared-corpus",
        marks=from_shared_corpus,
    ),
]


@pytest.mark.parametrize("folder", WIRE_SETS)
def test_every_wire_story_is_taken_in_and_queued_for_translation(db, source_id, folder):
    singles = sorted(path.name for path in folder.glob("0[2-6]-*.json"))
    for name in singles:
        take(source_id, wire_story(name, folder))

    stored = {s.uri: s for s in db.scalars(select(Story))}
    assert len(stored) == len(singles) >= 5
    assert {s.language for s in stored.values()} == {"de", "en"}
    assert queued(db) == [tasks.TRANSLATE_VERSION] * len(singles)
    for item in stored.values():
        assert ninjs.problems(item.current_version.ninjs) == []
        assert timeline(db, item.id)[1][1].endswith(
            ")"
        )  # "de: the wire and the detector agree (…)"


@pytest.mark.parametrize(("folder", "stem", "uri"), VERSIONED)
def test_an_update_and_a_kill_become_versions_and_are_queued_on(db, source_id, folder, stem, uri):
    outcomes = [
        take(source_id, wire_story(f"{stem}.{name}.json", folder)).outcome
        for name in ("v1", "v2", "v3-kill")
    ]

    assert outcomes == ["original", "update", "kill"]
    versioned = story(db, uri)
    assert [(v.version, v.kind) for v in versioned.versions] == [
        ("1", "original"),
        ("2", "update"),
        ("3", "kill"),
    ]
    assert versioned.state == "killed"
    assert queued(db) == [tasks.TRANSLATE_VERSION, tasks.TRANSLATE_VERSION, tasks.FAN_OUT]
    again = take(source_id, wire_story(f"{stem}.v2.json", folder))
    assert (again.accepted, again.outcome) == (False, "duplicate")


def test_html_is_cleaned_before_it_is_stored(db, source_id):
    dirty = (
        '<p onclick="steal()">Das Rathaus <strong>bleibt</strong> zu.<script>alert(1)</script></p>'
        '<style>p{display:none}</style><img src="x" onerror="alert(2)">'
        '<p><a href="javascript:alert(3)">Mehr</a> <a href="/intern">intern</a> '
        '<a href="https://stadt.example/rathaus">Stadt</a></p><iframe src="https://evil.example"></iframe>'
    )
    doc = fixture_story(bodies=[{"role": "main", "contenttype": "text/html", "value": dirty}])

    take(source_id, doc)

    stored = story(db, doc["uri"]).current_version.ninjs["bodies"][0]["value"]
    assert stored == (
        "<p>Das Rathaus <strong>bleibt</strong> zu.</p>"
        '<p><a>Mehr</a> <a>intern</a> <a href="https://stadt.example/rathaus">Stadt</a></p>'
    )


def test_a_story_without_version_numbers_itself_by_content(db, source_id):
    doc = fixture_story()
    del doc["version"]
    first = take(source_id, doc)
    same = take(source_id, doc | {"versioncreated": "2026-11-20T11:00:00+01:00"})
    changed = fixture_story(headlines=[{"role": "main", "value": "Das Rathaus öffnet doch"}])
    del changed["version"]
    update = take(source_id, changed | {"versioncreated": "2026-11-20T12:00:00+01:00"})
    older = take(source_id, doc | {"versioncreated": "2026-11-20T09:00:00+01:00", "ednote": "alt"})

    assert (first.version, first.outcome) == ("1", "original")
    assert (same.accepted, same.outcome) == (False, "duplicate")
    assert (update.version, update.outcome) == ("2", "update")
    assert (older.accepted, older.version) == (False, "2")
    assert story(db, doc["uri"]).current_version.ninjs["version"] == "2"


def test_a_future_dated_version_is_accepted_flagged_and_ordered_as_received(db, source_id, clock):
    claimed = (clock.now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = fixture_story(version="a", versioncreated=claimed)
    take(source_id, future)
    clock.advance(minutes=1)
    later = take(source_id, fixture_story(version="b", versioncreated=clock.now.isoformat()))

    stored = story(db, future["uri"])
    first = stored.versions[0]
    assert first.ninjs["versioncreated"] == claimed  # the wire's claim is kept
    assert first.versioncreated < clock.now
    stages = dict(timeline(db, stored.id))
    assert "is in the future" in stages["flagged"]
    # Ordered by the real time, the genuine later version is newer, not stuck a month ahead.
    assert (later.accepted, later.outcome) == (True, "update")


def test_a_kill_for_a_story_never_seen_is_recorded_and_not_published(db, source_id):
    kill = fixture_story(version="2", pubstatus="canceled")
    result = take(source_id, kill)
    late_original = take(source_id, fixture_story(version="1"))

    assert result.outcome == "kill"
    killed = story(db, kill["uri"])
    assert killed.state == "killed"
    assert "before Syndikat had the story" in killed.state_detail
    assert queued(db) == []  # nothing went out, so nothing to withdraw, and nothing to translate
    assert (late_original.accepted, late_original.outcome) == (False, "duplicate")


def test_a_withheld_story_is_held(db, source_id):
    take(source_id, fixture_story(pubstatus="withheld"))

    held = story(db, "urn:syndikat:test:rathaus")
    assert (held.state, held.state_detail) == ("held", "withheld by the wire")
    assert queued(db) == []


ENGLISH = "<p>The town hall stays closed on Monday while the council chamber is renovated.</p>"
FRENCH = (
    "<p>La mairie reste fermée lundi pendant la rénovation de la salle du conseil municipal.</p>"
)


def with_body(html: str, **changes: Any) -> dict[str, Any]:
    headline = [{"role": "main", "value": "Rathaus"}]
    body = [{"role": "main", "contenttype": "text/html", "value": html}]
    return fixture_story(headlines=headline, descriptions=[], bodies=body, **changes)


def test_a_wire_language_the_text_contradicts_gives_way_to_a_sure_detector(db, source_id):
    take(source_id, with_body(ENGLISH, language="de"))

    taken = story(db, "urn:syndikat:test:rathaus")
    assert (taken.language, taken.state) == ("en", "received")
    assert taken.current_version.ninjs["language"] == "en"
    assert queued(db) == [tasks.TRANSLATE_VERSION]
    assert "the wire says de, the text is en" in dict(timeline(db, taken.id))["language"]


def test_a_story_in_another_language_is_held_with_its_reason(db, source_id):
    take(source_id, with_body(FRENCH, language="fr"))

    held = story(db, "urn:syndikat:test:rathaus")
    assert (held.state, held.language) == ("held", "fr")
    assert held.state_detail == "held: language fr is neither German nor English"
    assert queued(db) == []


def test_a_story_whose_language_cannot_be_told_is_held(db, source_id):
    doc = with_body("<p>OK.</p>")
    del doc["language"]
    with database.session() as session:
        session.get_one(Source, source_id).language = None

    take(source_id, doc)

    held = story(db, "urn:syndikat:test:rathaus")
    assert held.state == "held"
    assert "no language given" in held.state_detail


def test_the_sources_language_stands_in_for_a_missing_one(db, source_id):
    doc = fixture_story()
    del doc["language"]

    take(source_id, doc)

    assert story(db, doc["uri"]).language == "de"
    assert queued(db) == [tasks.TRANSLATE_VERSION]


def test_a_ninjs_1x_story_is_stored_as_2x(db, source_id):
    doc = json.loads((FIXTURES / "ninjs-1x" / "de-kita-gebuehren.json").read_text())

    take(source_id, doc)

    stored = story(db, doc["uri"]).current_version.ninjs
    assert ninjs.problems(stored) == []
    assert "headline" not in stored and "body_html" not in stored
    assert stored["headlines"] == [
        {"role": "main", "value": "Kiel schafft Kita-Gebühren für Geschwisterkinder ab"}
    ]


def test_an_invalid_story_stores_nothing(db, source_id):
    with pytest.raises(ninjs.InvalidStory):
        take(source_id, {"uri": "urn:x", "headlines": "not a list"})
    assert db.scalars(select(Story)).all() == []
