"""Copies of the rows the real pipeline wrote for a story, under fresh keys and a later time.

The soak takes its first stories the real way and then, to reach 10,000 stories in minutes,
writes further stories as copies of those: every row (story, versions, English, deliveries,
attempts, timeline, outbox messages) exactly as the services wrote it, with new ids, uri,
webhook-ids and the times moved to the simulated clock.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from shared.models import (
    Delivery,
    DeliveryAttempt,
    OutboxMessage,
    Story,
    StoryEvent,
    StoryVersion,
    Translation,
)

Row = dict[str, Any]


@dataclass
class Template:
    """Every row the pipeline wrote for one story."""

    story: Row
    versions: list[Row]
    translations: list[Row]
    deliveries: list[Row]
    attempts: list[Row]
    events: list[Row]
    outbox: list[Row]


def _rows(db: Session, table: Any, *where: Any) -> list[Row]:
    return [dict(row._mapping) for row in db.execute(select(table).where(*where))]


def read_templates(db: Session) -> list[Template]:
    """The rows of every story in the database, story by story."""
    messages = _rows(db, OutboxMessage.__table__)
    templates = []
    for story in _rows(db, Story.__table__):
        versions = _rows(db, StoryVersion.__table__, StoryVersion.story_id == story["id"])
        version_ids = {v["id"] for v in versions}
        deliveries = _rows(db, Delivery.__table__, Delivery.story_id == story["id"])
        delivery_ids = {d["id"] for d in deliveries}
        templates.append(
            Template(
                story=story,
                versions=versions,
                translations=_rows(
                    db, Translation.__table__, Translation.story_version_id.in_(version_ids)
                ),
                deliveries=deliveries,
                attempts=_rows(
                    db, DeliveryAttempt.__table__, DeliveryAttempt.delivery_id.in_(delivery_ids)
                ),
                events=_rows(db, StoryEvent.__table__, StoryEvent.story_id == story["id"]),
                outbox=[
                    m
                    for m in messages
                    if m["kwargs"].get("story_version_id") in version_ids
                    or m["kwargs"].get("delivery_id") in delivery_ids
                ],
            )
        )
    return templates


class Copier:
    """Writes copies of templates; version and delivery ids are handed out here."""

    def __init__(self, db: Session) -> None:
        self.version_ids = itertools.count(_next_id(db, StoryVersion.id))
        self.delivery_ids = itertools.count(_next_id(db, Delivery.id))

    def write(self, db: Session, templates: list[Template], at: datetime) -> None:
        """Copies of `templates`, each as if its story had come in at `at`, in one transaction."""
        rows: dict[str, list[Row]] = {name: [] for name in Template.__dataclass_fields__}
        current: list[Row] = []
        for template in templates:
            shift = at - template.story["created_at"]
            story_id = uuid.uuid4()
            versions = {v["id"]: next(self.version_ids) for v in template.versions}
            deliveries = {d["id"]: next(self.delivery_ids) for d in template.deliveries}
            story = _moved(template.story, shift) | {
                "id": story_id,
                "uri": f"urn:syndikat:soak:copy:{story_id.hex}",
                "current_version_id": None,  # set once the versions exist (they refer back)
            }
            rows["story"].append(story)
            current.append(
                {
                    "story": story_id,
                    "version": versions.get(template.story["current_version_id"]),
                    "updated": story["updated_at"],
                }
            )
            rows["versions"] += [
                _moved(v, shift) | {"id": versions[v["id"]], "story_id": story_id}
                for v in template.versions
            ]
            rows["translations"] += [
                _moved(t, shift, drop_id=True)
                | {"story_version_id": versions[t["story_version_id"]]}
                for t in template.translations
            ]
            rows["deliveries"] += [
                _moved(d, shift)
                | {
                    "id": deliveries[d["id"]],
                    "story_id": story_id,
                    "story_version_id": versions[d["story_version_id"]],
                    "webhook_id": f"msg_{uuid.uuid4().hex}",
                }
                for d in template.deliveries
            ]
            rows["attempts"] += [
                _moved(a, shift, drop_id=True) | {"delivery_id": deliveries[a["delivery_id"]]}
                for a in template.attempts
            ]
            rows["events"] += [
                _moved(e, shift, drop_id=True) | {"story_id": story_id} for e in template.events
            ]
            rows["outbox"] += [
                _moved(m, shift, drop_id=True)
                | {"kwargs": _kwargs(m["kwargs"], versions, deliveries)}
                for m in template.outbox
            ]
        tables = {
            "story": Story,
            "versions": StoryVersion,
            "translations": Translation,
            "deliveries": Delivery,
            "attempts": DeliveryAttempt,
            "events": StoryEvent,
            "outbox": OutboxMessage,
        }
        for name, model in tables.items():
            if rows[name]:
                db.execute(insert(model), rows[name])
        stories = Story.__table__
        db.execute(
            update(Story)
            .where(stories.c.id == bindparam("story"))
            .values(current_version_id=bindparam("version"), updated_at=bindparam("updated")),
            current,
        )


def _next_id(db: Session, column: Any) -> int:
    return (db.scalar(select(func.max(column))) or 0) + 1_000_000


def _moved(row: Row, shift: Any, drop_id: bool = False) -> Row:
    moved = {k: (v + shift if isinstance(v, datetime) else v) for k, v in row.items()}
    if drop_id:
        moved.pop("id")
    return moved


def _kwargs(kwargs: Row, versions: dict[int, int], deliveries: dict[int, int]) -> Row:
    if "story_version_id" in kwargs:
        return kwargs | {"story_version_id": versions[kwargs["story_version_id"]]}
    if "delivery_id" in kwargs:
        return kwargs | {"delivery_id": deliveries[kwargs["delivery_id"]]}
    return kwargs
