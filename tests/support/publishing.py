"""Helpers for publish tests: translated story versions, fan-out, deliveries by partner."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.ingest.intake import take_story
from services.publish import fanout
from services.translate import pipeline
from shared.models import Delivery, Partner, Source, Story
from tests.support.factories import fixture_story


def translated_version(
    db: Any, fixture: str = "de-rathaus.json", source: str | None = None, **changes: Any
) -> int:
    """Take a fixture story in (with `changes`) and translate it; returns the version id."""
    query = select(Source).where(Source.name == source) if source else select(Source).limit(1)
    wire = db.scalars(query).one()
    intake = take_story(db, wire, fixture_story(fixture, **changes), via="test")
    db.commit()
    version_id = db.get_one(Story, intake.story_id).current_version_id
    pipeline.translate_version(version_id)
    return version_id


def fan_out(db: Any, version_id: int) -> int:
    created = fanout.fan_out(db, version_id)
    db.commit()
    return created


def deliveries_to(db: Any, partner_name: str) -> list[Delivery]:
    query = (
        select(Delivery)
        .join(Partner, Partner.id == Delivery.partner_id)
        .where(Partner.name == partner_name)
        .order_by(Delivery.id)
    )
    return list(db.scalars(query))


def only_delivery(db: Any, partner_name: str) -> Delivery:
    [delivery] = deliveries_to(db, partner_name)
    return delivery


def current(db: Any, delivery: Delivery) -> Delivery:
    """The delivery as the database has it now."""
    return db.scalars(select(Delivery).where(Delivery.id == delivery.id)).one()
