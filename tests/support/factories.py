"""Small factories for test data."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import OutboxMessage, Partner, Source, Story

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def fixture_story(name: str = "de-rathaus.json", **changes: Any) -> dict[str, Any]:
    doc = json.loads((FIXTURES / name).read_text())
    return copy.deepcopy(doc) | changes


def add_source(db: Session, name: str = "wire", secret: str | None = None, **fields: Any) -> Source:
    source = Source(name=name, secret=secret or new_secret(), language="de", **fields)
    db.add(source)
    db.commit()
    return source


def add_partner(
    db: Session, name: str = "partner", endpoint: str = "http://127.0.0.1:9/hook", **fields: Any
) -> Partner:
    partner = Partner(
        name=name, endpoint=endpoint, secret=fields.pop("secret", new_secret()), **fields
    )
    db.add(partner)
    db.commit()
    return partner


def store_story(db: Session, doc: dict[str, Any]) -> int:
    """Take a story in as the ingest service does; returns its current version's id."""
    from services.ingest.intake import take_story

    source = db.scalar(select(Source)) or add_source(db)
    intake = take_story(db, source, doc, via="test")
    db.commit()
    return db.get_one(Story, intake.story_id).current_version_id


def queued(db: Session, task_name: str) -> list[dict]:
    """The kwargs of every outbox message for `task_name`."""
    db.expire_all()
    query = select(OutboxMessage.kwargs).where(OutboxMessage.task_name == task_name)
    return list(db.scalars(query))
