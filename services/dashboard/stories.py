"""The story list: search by headline or uri (or paste a story id, uri or webhook-id), filter
by state, source, language and day, newest first, a page at a time."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from services.dashboard.formatting import local_zone
from services.dashboard.story_list import BadFilter, Cursor, StoryFilter, find_page
from shared import db as database
from shared.models import Delivery, Source, Story, StoryState

bp = Blueprint("stories", __name__)


@bp.get("/stories")
def index() -> Any:
    try:
        wanted = StoryFilter.from_args(request.args)
        older = _cursor_arg("older")
        newer = _cursor_arg("newer")
    except BadFilter as exc:
        return _render(StoryFilter(), None, str(exc)), 400
    with database.session() as db:
        if wanted.q and (story_id := _story_for_identifier(db, wanted.q)) is not None:
            return redirect(url_for("story.show", story_id=story_id))
        page = find_page(db, wanted, local_zone(), older_than=older, newer_than=newer)
        return _render(wanted, page, None, _source_names(db))


def _cursor_arg(name: str) -> Cursor | None:
    raw = request.args.get(name, "")
    return Cursor.decode(raw) if raw else None


def _story_for_identifier(db: Any, text: str) -> uuid.UUID | None:
    """A pasted story id, uri, or the webhook-id a partner quotes leads straight to the story."""
    try:
        key = uuid.UUID(text)
    except ValueError:
        pass
    else:
        return key if db.get(Story, key) is not None else None
    if text.startswith("msg_"):
        return db.scalar(select(Delivery.story_id).where(Delivery.webhook_id == text))
    # A whole uri is found through its unique index, not by scanning for a substring. Two
    # sources may have sent it (a story is its source's): then the list shows both.
    found = db.scalars(select(Story.id).where(Story.uri == text).limit(2)).all()
    return found[0] if len(found) == 1 else None


def _source_names(db: Any) -> dict[int, str]:
    return dict(db.execute(select(Source.id, Source.name).order_by(Source.name)).all())


def _render(
    wanted: StoryFilter, page: Any, error: str | None, sources: dict[int, str] | None = None
) -> str:
    if sources is None:
        with database.session() as db:
            sources = _source_names(db)
    return render_template(
        "dashboard/stories.html",
        wanted=wanted,
        args=wanted.as_args(),
        page=page,
        error=error,
        sources=sources,
        states=[state.value for state in StoryState],
    )
