"""Webhook and pull-feed partners through real processes: publish, update and kill; and a
publish worker that stays up while partners misbehave in every way the issue lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from services.ingest.push_client import push_story
from services.publish import registry
from shared import ninjs
from shared.models import Partner, utcnow
from tests.e2e.test_wire_to_partner import pipeline_env
from tests.support.factories import add_partner, add_source, fixture_story, new_secret
from tests.support.pipeline import Pipeline, wait_until
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def wire(db: Any) -> str:
    secret = new_secret()
    add_source(db, "wire", secret=secret, attribution="Source: Stern")
    return secret


def library(**changes: Any) -> dict[str, Any]:
    return fixture_story("en-library.json", **changes)


def feed(api_url: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{api_url}/v1/feeds/puller.json", params={"token": token}, timeout=10)
    answer.raise_for_status()
    return answer.json()["stories"]


def test_a_story_is_published_updated_and_killed_at_a_webhook_and_in_a_feed(
    db_env, db, wire, tmp_path
):
    secret = new_secret()
    # The wall clock: the workers run as processes of their own, out of the clock fixture's reach.
    puller, token = registry.create(db, "puller", {"method": "feed"}, utcnow())
    db.add(puller)
    db.commit()

    with Receiver() as site, Pipeline(pipeline_env(db_env, tmp_path), tmp_path / "logs") as run:
        add_partner(db, "24hw", endpoint=site.url, secret=secret)
        push_story(run.api_url, "wire", wire, library())
        site.wait_for(1)
        first = wait_until(lambda: feed(run.api_url, str(token)))
        push_story(run.api_url, "wire", wire, library(version="2", headlines=[
            {"role": "main", "value": "Library opens on Sundays"}]))  # fmt: skip
        site.wait_for(2)
        updated = wait_until(
            lambda: [s for s in feed(run.api_url, str(token)) if s["version"] == "2"]
        )
        push_story(run.api_url, "wire", wire, library(version="3", pubstatus="canceled"))
        site.wait_for(3)
        wait_until(lambda: feed(run.api_url, str(token)) == [])

    events = [Webhook(secret).verify(r.body.decode(), r.headers) for r in site.requests]
    assert [(e["type"], e["data"]["version"]) for e in events] == [
        ("story.published", "1"),
        ("story.updated", "2"),
        ("story.killed", "3"),
    ]
    assert all(ninjs.problems(e["data"]) == [] for e in events)
    assert ninjs.main_headline(events[1]["data"]) == "Library opens on Sundays"
    assert [s["uri"] for s in first] == ["urn:syndikat:test:library"]
    assert ninjs.main_headline(updated[0]) == "Library opens on Sundays"


MISBEHAVIOUR = {
    "broken": Answer(status=500),
    "slow": Answer(delay=3.0),
    "redirecting": Answer(status=301, headers={"Location": "http://127.0.0.1:1/"}),
    "gone": Answer(status=410),
    "busy": Answer(status=429, headers={"Retry-After": "3600"}),
    "garbage": Answer(raw=b"\x00\x01 this is not HTTP\r\n\r\n"),
    "hanging-up": Answer(close=True),
    "fine": Answer(),
}


@pytest.fixture
def partner_sites() -> Iterator[dict[str, Receiver]]:
    with ExitStack() as stack:
        sites = {name: stack.enter_context(Receiver()) for name in MISBEHAVIOUR}
        for name, site in sites.items():
            site.default = MISBEHAVIOUR[name]
        yield sites


def test_the_publish_worker_stays_up_and_loses_nothing_while_partners_misbehave(
    db_env, db, wire, partner_sites, tmp_path
):
    for name, site in partner_sites.items():
        add_partner(db, name, endpoint=site.url)
    # Registered while it resolved to a public address, now pointing at a private one.
    add_partner(db, "rebound", endpoint="http://10.0.0.1:9/hook")
    env = pipeline_env(db_env, tmp_path, SYNDIKAT_DELIVERY_TIMEOUT="1")

    with Pipeline(env, tmp_path / "logs") as run:
        first = push_story(run.api_url, "wire", wire, library()).json()["id"]
        status = wait_until(lambda: _all_attempted(run.api_url, first), timeout=60)
        run.wait_for_workers(("publish",))  # still answering
        push_story(run.api_url, "wire", wire, library(uri="urn:second"))
        later = partner_sites["fine"].wait_for(2)  # the worker goes on delivering

    states = {d["partner"]: (d["state"], d["last_error"]) for d in status["deliveries"]}
    assert states["fine"] == ("delivered", None)
    for name in ("broken", "slow", "redirecting", "busy", "garbage", "hanging-up", "rebound"):
        state, error = states[name]
        assert state == "pending" and error, name  # kept for its next attempt
    assert "timed out" in states["slow"][1]
    assert "redirect" in states["redirecting"][1]
    assert "refused" in states["rebound"][1]
    assert states["gone"][0] == "pending"
    gone = db.query(Partner).filter_by(name="gone").populate_existing().one()
    assert gone.enabled is False and "410" in gone.disabled_reason
    assert [r.json()["data"]["uri"] for r in later] == ["urn:syndikat:test:library", "urn:second"]
    for name, site in partner_sites.items():
        ids = defaultdict(set)
        for request in site.requests:
            ids[request.body].add(request.headers["webhook-id"])
        assert all(len(found) == 1 for found in ids.values()), name


def _all_attempted(api_url: str, story_id: str) -> dict[str, Any] | None:
    status = httpx.get(f"{api_url}/v1/stories/{story_id}", timeout=10).json()
    deliveries = status["deliveries"]
    return status if len(deliveries) == 9 and all(d["attempts"] >= 1 for d in deliveries) else None
