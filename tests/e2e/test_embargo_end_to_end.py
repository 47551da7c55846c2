"""An embargoed story through real processes: held, then sent on time after a crash of the
publish worker and the scheduler (the hold lives in the database, nowhere else)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.ingest.push_client import push_story
from shared import clock
from tests.e2e.test_wire_to_partner import partner_site, pipeline_env, wire  # noqa: F401
from tests.support.factories import add_partner, fixture_story
from tests.support.pipeline import Pipeline, wait_until

pytestmark = pytest.mark.e2e
AHEAD = 20.0  # seconds: time to translate, then crash and restart the publisher and scheduler
#: The sweep runs every 5 s; on a busy machine a few more seconds to send.
WITHIN = 12.0


def status_in(api_url: str, story_id: str, state: str) -> dict[str, Any] | None:
    status = httpx.get(f"{api_url}/v1/stories/{story_id}").json()
    return status if status["state"] == state else None


def test_an_embargoed_story_leaves_on_time_though_publisher_and_scheduler_crashed(
    db_env,
    db,
    wire,  # noqa: F811
    partner_site,  # noqa: F811
    tmp_path,
):
    add_partner(db, "24hw", endpoint=partner_site.url)

    with Pipeline(pipeline_env(db_env, tmp_path), tmp_path / "logs") as pipeline:
        pipeline.start_scheduler()
        embargo = clock.now() + timedelta(seconds=AHEAD)
        at_embargo = time.monotonic() + AHEAD
        story = fixture_story(embargoed=embargo.isoformat())
        story_id = push_story(pipeline.api_url, "wire", wire, story).json()["id"]
        held = wait_until(lambda: status_in(pipeline.api_url, story_id, "embargoed"))
        pipeline.restart("publish")
        pipeline.restart("scheduler")
        pipeline.wait_for_workers(("publish",))
        time.sleep(max(0.0, at_embargo - 1 - time.monotonic()))
        early = list(partner_site.requests)
        # A publish worker restarted mid-send may send the same delivery again (same
        # webhook-id, at least once); a second, different delivery would be a fault.
        sent = partner_site.wait_for(1, timeout=AHEAD + WITHIN)
        request = sent[0]
        released = wait_until(lambda: status_in(pipeline.api_url, story_id, "published"))

    assert held["state_detail"] == f"embargoed until {embargo.isoformat(timespec='seconds')}"
    assert early == []
    assert {r.headers["webhook-id"] for r in sent} == {request.headers["webhook-id"]}
    assert at_embargo - 0.5 <= request.started <= at_embargo + WITHIN
    assert request.json()["data"]["uri"] == story["uri"]
    assert "embargo_lifted" in [event["stage"] for event in released["timeline"]]
