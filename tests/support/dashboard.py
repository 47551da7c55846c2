"""Helpers for dashboard tests: signing in, CSRF tokens, and stories in every state."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryEvent,
    DeliveryState,
    Partner,
    Source,
    Story,
    StoryEvent,
    StoryState,
    StoryVersion,
    Translation,
    TranslationStatus,
    utcnow,
)

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client: Any, path: str = "/login") -> str:
    """The CSRF token the pages carry (in a meta tag) for this client's session."""
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def form_error(answer: Any) -> str:
    """The error a refused form's page shows above the form (HTML-escaped)."""
    page = answer.get_data(as_text=True)
    assert 'id="form-error">' in page, page
    return page.split('id="form-error">', 1)[1].split("</p>", 1)[0]


def sign_in(client: Any, name: str, password: str = PASSWORD, next_path: str = "") -> Any:
    token = csrf_token(client)
    target = f"/login?next={next_path}" if next_path else "/login"
    return client.post(target, data={"csrf_token": token, "name": name, "password": password})


def german_doc(uri: str, headline: str, version: str = "1", **changes: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "type": "text",
        "version": version,
        "pubstatus": "usable",
        "language": "de",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "<p>Der Hafen meldet einen Rekord.</p><p>Die Zahlen steigen.</p>",
            }
        ],
    } | changes


def english_doc(german: dict[str, Any], headline: str) -> dict[str, Any]:
    return german | {
        "language": "en",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "<p>The port reports a record.</p><p>The numbers are rising.</p>",
            }
        ],
    }


def add_story(
    db: Session,
    source: Source,
    headline: str,
    state: StoryState = StoryState.PUBLISHED,
    received: datetime | None = None,
    translated_after: float | None = 2.0,
    translation_status: TranslationStatus = TranslationStatus.DONE,
    qa: dict[str, Any] | None = None,
    uri: str | None = None,
) -> Story:
    """A story with one version, its events, and (unless `translated_after` is None) English."""
    received = received or utcnow()
    story = Story(
        id=uuid.uuid4(),
        uri=uri or f"urn:test:{uuid.uuid4().hex}",
        source=source,
        state=state,
        headline=headline,
        language="de",
        created_at=received,
        updated_at=received,
    )
    doc = german_doc(story.uri, headline)
    version = StoryVersion(story=story, version="1", language="de", ninjs=doc, received_at=received)
    db.add_all([story, version])
    db.flush()
    story.current_version = version
    db.add(StoryEvent(story_id=story.id, stage="received", at=received, detail="version 1"))
    if translated_after is not None:
        done = received + timedelta(seconds=translated_after)
        db.add(
            Translation(
                story_version_id=version.id,
                engine="fixture",
                status=translation_status,
                ninjs=english_doc(doc, f"EN: {headline}"),
                qa=qa or {},
                created_at=done,
            )
        )
        db.add(StoryEvent(story_id=story.id, stage="translated", at=done, detail="by fixture"))
    db.commit()
    return story


def add_delivery(
    db: Session,
    story: Story,
    partner: Partner,
    state: DeliveryState = DeliveryState.DELIVERED,
    after: float = 5.0,
    error: str | None = None,
    attempts: int = 1,
    event: DeliveryEvent = DeliveryEvent.PUBLISHED,
) -> Delivery:
    planned = story.created_at + timedelta(seconds=after / 2)
    finished = story.created_at + timedelta(seconds=after)
    delivered = state == DeliveryState.DELIVERED
    delivery = Delivery(
        partner=partner,
        story_id=story.id,
        story_version_id=story.current_version_id,
        event=event,
        state=state,
        attempts=attempts,
        last_status_code=200 if delivered else 500,
        last_error=error,
        delivered_at=finished if delivered else None,
        next_attempt_at=None if delivered else finished + timedelta(minutes=5),
        created_at=planned,
    )
    db.add(delivery)
    db.flush()
    for number in range(attempts):
        ok = delivered and number == attempts - 1
        db.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                started_at=planned + timedelta(seconds=number),
                status_code=200 if ok else 500,
                error=None if ok else error,
                succeeded=ok,
            )
        )
    db.commit()
    return delivery


HURRIED_ENGINE = "tests.support.fixture_engine:HurriedEngine"
#: The sentence of tests/fixtures/de-stadion.json the hurried engine renders without its number.
LOST_NUMBER = "Der Bau soll 1,15 Milliarden Euro kosten."


def held_story(db: Session) -> Story:
    """tests/fixtures/de-stadion.json taken in and translated by the real pipeline with an engine
    that loses a number: the QA gate holds it. Run with SYNDIKAT_ENGINE=HURRIED_ENGINE."""
    from services.translate import pipeline
    from tests.support.factories import fixture_story, store_story

    version_id = store_story(db, fixture_story("de-stadion.json"))
    assert pipeline.translate_version(version_id) == "needs review"
    return db.scalars(select(Story).where(Story.current_version_id == version_id)).one()
