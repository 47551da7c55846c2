"""Embargoes: nothing goes out before a version's `embargoed` time, except to partners that
honour embargoes; updates move or lift the hold, a kill reaches only who got the story early."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from services.ingest.formats import read_documents
from services.ingest.intake import prepare, take_story
from services.publish import delivery, partners, registry, replay, tasks
from shared import ninjs
from shared.models import Delivery, DeliveryState, Partner, Source, Story, StoryEvent, utcnow
from tests.support import api
from tests.support.factories import FIXTURES, add_partner, fixture_story, queued
from tests.support.publishing import (
    current,
    deliveries_to,
    fan_out,
    only_delivery,
    translated_version,
)
from tests.support.receiver import Receiver

ATOM = "{http://www.w3.org/2005/Atom}"


def embargoed_version(db: Any, embargo: datetime | None, **changes: Any) -> int:
    """A translated version of the test story under `embargo`; its id."""
    if embargo is not None:
        changes["embargoed"] = embargo.isoformat()
    return translated_version(db, **changes)


def publish(version_id: int) -> None:
    """What the publish worker does with the fan-out task: plan, then send what is due."""
    tasks.fan_out(version_id)


def sweep(db: Any) -> dict[int, str]:
    """What the scheduler does every few seconds: release what is due, queue it; then what the
    publish worker does with the queued tasks: send them."""
    tasks.sweep_deliveries()
    queued = db.scalars(select(Delivery.id).where(Delivery.queued_until > utcnow())).all()
    return delivery.attempt_all(queued)


def story_of(db: Any) -> Story:
    db.expire_all()
    return db.scalars(select(Story)).one()


def timeline(db: Any) -> list[tuple[str, str | None]]:
    query = select(StoryEvent.stage, StoryEvent.detail).order_by(StoryEvent.id)
    return [(stage, detail) for stage, detail in db.execute(query)]


def stages(db: Any) -> list[str]:
    return [stage for stage, _ in timeline(db)]


def sent_versions(site: Any) -> list[tuple[str, str]]:
    return [(r.json()["type"], r.json()["data"]["version"]) for r in site.requests]


def test_a_held_webhook_delivery_leaves_at_the_embargo_and_not_a_second_before(
    db, wire, partner_site, clock
):
    add_partner(db, "hook", endpoint=partner_site.url)
    embargo = clock.now + timedelta(hours=1)

    publish(embargoed_version(db, embargo))

    held = only_delivery(db, "hook")
    assert (held.state, held.held_until, held.attempts) == ("pending", embargo, 0)
    assert story_of(db).state == "embargoed"
    clock.set_to(embargo - timedelta(seconds=1))
    assert sweep(db) == {}
    assert delivery.attempt(held.id) == "not due"
    assert partner_site.requests == []

    clock.set_to(embargo)
    assert sweep(db) == {held.id: "delivered"}
    assert sent_versions(partner_site) == [("story.published", "1")]
    assert story_of(db).state == "published"
    assert ("embargo_lifted", f"released: the embargo ({embargo.isoformat()}) has passed") in (
        timeline(db)
    )


def test_the_schedule_lives_in_the_database_so_a_restarted_scheduler_releases_it(
    db, wire, partner_site, clock
):
    add_partner(db, "hook", endpoint=partner_site.url)
    embargo = clock.now + timedelta(minutes=5)
    publish(embargoed_version(db, embargo))
    held = only_delivery(db, "hook")

    clock.set_to(embargo + timedelta(seconds=2))  # a fresh sweep, nothing kept in memory
    tasks.sweep_deliveries()

    assert {"delivery_id": held.id} in queued(db, "syndikat.publish.deliver")
    assert story_of(db).state == "published"


def test_neither_a_replay_nor_re_enabling_the_partner_releases_a_held_delivery(
    db, wire, partner_site, clock
):
    partner = add_partner(db, "hook", endpoint=partner_site.url)
    embargo = clock.now + timedelta(hours=1)
    publish(embargoed_version(db, embargo))
    held = only_delivery(db, "hook")

    with pytest.raises(replay.ReplayRefused, match="held until the embargo"):
        replay.replay(db, held, clock.now)
    partners.disable(db, partner, "maintenance", clock.now)
    partners.enable(db, partner, clock.now)  # makes its waiting deliveries due at once…
    db.commit()

    assert sweep(db) == {}  # …but not a held one
    assert partner_site.requests == []


def test_an_embargo_in_the_past_holds_nothing(db, wire, partner_site, clock):
    add_partner(db, "hook", endpoint=partner_site.url)

    publish(embargoed_version(db, clock.now - timedelta(minutes=1)))

    sent = only_delivery(db, "hook")
    assert (sent.state, sent.held_until) == ("delivered", None)
    assert story_of(db).state == "published"
    assert "embargoed" not in stages(db)


def test_a_partner_that_honours_embargoes_gets_the_version_at_once_with_embargoed(
    db, wire, partner_site, clock
):
    add_partner(db, "keeps-embargoes", endpoint=partner_site.url, honours_embargoes=True)
    add_partner(db, "does-not", endpoint=partner_site.url)
    embargo = clock.now + timedelta(hours=1)

    publish(embargoed_version(db, embargo))

    [request] = partner_site.requests
    story = request.json()["data"]
    assert ninjs.embargoed(story) == embargo
    assert only_delivery(db, "keeps-embargoes").state == "delivered"
    assert only_delivery(db, "does-not").state == "pending"
    assert story_of(db).state == "embargoed"  # held for the others


@pytest.mark.parametrize(
    ("ahead", "held"),
    [(timedelta(minutes=5), False), (timedelta(seconds=59), True)],
    ids=["scheduled", "too close to schedule"],
)
def test_a_wordpress_partner_that_honours_embargoes_is_held_when_wordpress_cannot_schedule(
    db, wire, clock, ahead, held
):
    """WordPress publishes at once a post scheduled less than a minute ahead."""
    add_partner(db, "site", method="wordpress", honours_embargoes=True)
    embargo = clock.now + ahead

    fan_out(db, embargoed_version(db, embargo))

    assert only_delivery(db, "site").held_until == (embargo if held else None)


@pytest.mark.parametrize(
    ("new_embargo", "sent_after"),
    [
        pytest.param(timedelta(hours=3), timedelta(hours=3), id="moved later"),
        pytest.param(timedelta(minutes=30), timedelta(minutes=30), id="moved earlier"),
        pytest.param(None, timedelta(0), id="lifted"),
    ],
)
def test_an_update_moves_or_lifts_the_hold(db, wire, partner_site, clock, new_embargo, sent_after):
    add_partner(db, "hook", endpoint=partner_site.url)
    start = clock.now
    publish(embargoed_version(db, start + timedelta(hours=1)))
    clock.advance(minutes=10)
    update = start + new_embargo if new_embargo is not None else None

    publish(embargoed_version(db, update, version="2"))
    clock.set_to(start + sent_after - timedelta(seconds=1))
    sent_early = sweep(db)
    clock.set_to(start + sent_after)
    sweep(db)

    old, new = deliveries_to(db, "hook")
    assert (old.state, old.last_error) == ("canceled", "replaced by version 2")
    assert (new.held_until, new.state) == (update, "delivered")
    assert sent_early == {}
    assert sent_versions(partner_site) == [("story.published", "2")]
    assert story_of(db).state == "published"
    if update is None:
        assert "embargo_lifted" in stages(db)
    else:
        moved = f"version 2 embargoed until {update.isoformat()} (moved from "
        assert any(d and d.startswith(moved) for _, d in timeline(db))


def test_a_version_replaced_by_an_update_in_translation_stays_held_past_its_embargo(
    db, wire, partner_site, clock
):
    """The update moved the embargo later; it is not translated yet when the old one passes."""
    add_partner(db, "hook", endpoint=partner_site.url)
    embargo = clock.now + timedelta(hours=1)
    publish(embargoed_version(db, embargo))
    later = (embargo + timedelta(hours=2)).isoformat()
    take_story(
        db, db.scalars(select(Source)).one(), fixture_story(version="2", embargoed=later), "test"
    )
    db.commit()

    clock.set_to(embargo + timedelta(minutes=5))

    assert sweep(db) == {}
    assert partner_site.requests == []


def test_a_kill_during_the_embargo_reaches_only_the_partners_that_got_the_story_early(
    db, wire, partner_site, clock
):
    with Receiver() as held_site:
        add_partner(db, "early", endpoint=partner_site.url, honours_embargoes=True)
        add_partner(db, "held", endpoint=held_site.url)
        embargo = clock.now + timedelta(hours=1)
        publish(embargoed_version(db, embargo))

        publish(embargoed_version(db, None, version="2", pubstatus="canceled"))
        clock.set_to(embargo + timedelta(minutes=1))
        sweep(db)

        assert sent_versions(partner_site) == [("story.published", "1"), ("story.killed", "2")]
        assert held_site.requests == []
        [held] = deliveries_to(db, "held")
        assert current(db, held).state == DeliveryState.CANCELED
        assert story_of(db).state == "killed"


def feed_uris(client: Any, token: str) -> tuple[list[str], list[str]]:
    """The story uris in the partner's JSON feed and in its Atom feed."""
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/v1/feeds/puller.json", headers=auth)
    atom = client.get("/v1/feeds/puller.atom", headers=auth)
    assert (listed.status_code, atom.status_code) == (200, 200)
    entries = etree.fromstring(atom.data).findall(f"{ATOM}entry")
    return [s["uri"] for s in listed.json["stories"]], [e.findtext(f"{ATOM}id") for e in entries]


@pytest.mark.parametrize("honours", [False, True])
def test_a_feed_lists_an_embargoed_story_only_from_the_embargo_unless_it_honours_them(
    db, wire, clock, honours
):
    partner, token = registry.create(
        db, "puller", {"method": "feed", "honours_embargoes": honours}, clock.now
    )
    db.add(partner)
    db.commit()
    client = api.api_client()
    embargo = clock.now + timedelta(hours=1)
    publish(embargoed_version(db, embargo))
    uri = story_of(db).uri

    before = feed_uris(client, str(token))
    clock.set_to(embargo)
    sweep(db)
    after = feed_uris(client, str(token))

    assert before == (([uri], [uri]) if honours else ([], []))
    assert after == ([uri], [uri])
    if honours:
        listed = client.get("/v1/feeds/puller.json", headers={"Authorization": f"Bearer {token}"})
        assert ninjs.embargoed(listed.json["stories"][0]) == embargo


def test_the_story_status_and_timeline_say_embargoed_until(db, wire, clock):
    add_partner(db, "hook")
    embargo = clock.now + timedelta(hours=1)
    publish(embargoed_version(db, embargo))
    story = story_of(db)

    status = api.api_client().get(f"/v1/stories/{story.id}").get_json()

    until = f"embargoed until {embargo.isoformat()}"
    assert (status["state"], status["state_detail"]) == ("embargoed", until)
    assert status["embargoed_until"] == embargo.isoformat()
    assert ("embargoed", f"version 1 {until}") in [
        (entry["stage"], entry["detail"]) for entry in status["timeline"]
    ]
    [held] = status["deliveries"]
    assert held["held_until"] == embargo.isoformat()


def test_an_embargo_that_is_not_a_time_is_refused_at_ingest(db, wire):
    with pytest.raises(ninjs.InvalidStory, match="embargoed 'tomorrow at ten'"):
        take_story(db, wire, fixture_story(embargoed="tomorrow at ten"), via="test")


def test_a_partner_is_registered_as_honouring_embargoes_from_the_cli_and_the_api(db, syndikat):
    # A WordPress partner is signed in to when registered: the real-WordPress tests cover
    # add-wordpress --honours-embargoes; the option itself is the same for every method.
    added = syndikat(
        "partners", "add", "24hw", "--webhook", "https://24hw.example/hook",
        "--secret", "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--honours-embargoes",
    )  # fmt: skip
    client = api.management_client()
    shown = client.get("/v1/partners/24hw").get_json()
    switched_off = client.patch("/v1/partners/24hw", json={"honours_embargoes": False})
    refused = client.patch("/v1/partners/24hw", json={"honours_embargoes": "yes"})

    assert added.exit_code == 0, added.output
    assert shown["honours_embargoes"] is True
    assert switched_off.get_json()["honours_embargoes"] is False
    assert refused.status_code == 422
    assert "honours_embargoes must be true or false" in refused.get_data(as_text=True)
    added = syndikat("partners", "add", "puller", "--method", "feed", "--honours-embargoes")
    assert added.exit_code == 0, added.output
    db.expire_all()
    assert {p.name: p.honours_embargoes for p in db.scalars(select(Partner))} == {
        "24hw": False,
        "puller": True,
    }


@pytest.mark.parametrize(
    ("fixture", "before", "embargo_element"),
    [
        (
            "newsml-g2/hafen-streik.v1.xml",
            '<pubStatus qcode="stat:usable"/>',
            "<embargoed>2023-12-01T10:00:00+01:00</embargoed>",
        ),
        (
            "nitf/stadtrat-haushalt.xml",
            '<date.issue norm="20231204T183000+0100"/>',
            '<date.release norm="20231201T100000+0100"/>',
        ),
    ],
)
def test_an_xml_wire_embargo_is_the_embargo_syndikat_holds_for(fixture, before, embargo_element):
    """NewsML-G2 `embargoed` and NITF `date.release` become ninjs `embargoed`."""
    xml = (FIXTURES / fixture).read_text()
    assert before in xml
    [doc] = read_documents(xml.replace(before, f"{before}{embargo_element}").encode(), "folder")

    assert ninjs.embargoed(prepare(doc)) == datetime.fromisoformat("2023-12-01T09:00:00+00:00")
