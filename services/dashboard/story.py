"""One story: what the wire sent, what partners got, and everything that happened between."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from services.dashboard import review, story_view
from shared import db as database
from shared.media_store import media_store
from shared.models import Media, Story

bp = Blueprint("story", __name__)


@bp.get("/stories/<story_id>")
def show(story_id: str) -> Any:
    try:
        key = uuid.UUID(story_id)
    except ValueError:
        abort(404)
    with database.session() as db:
        story = db.get(Story, key)
        if story is None:
            abort(404)
        translation = story_view.current_translation(db, story)
        current = story.current_version
        return render_template(
            "dashboard/story.html",
            story=story,
            source_name=story.source.name,
            translation=translation,
            blocks=story_view.side_by_side(current.ninjs, translation) if current else [],
            pictures=story_view.pictures(current.ninjs, translation) if current else [],
            problems=story_view.qa_problems(translation),
            versions=story_view.version_changes(story.versions),
            timeline=story_view.timeline(db, story.id),
            deliveries=story_view.deliveries(db, story.id),
            drafts=review.take_drafts(key),
        )


@bp.get("/media/<sha256>")
def picture(sha256: str) -> Any:
    """A fetched picture's bytes, for signed-in users (the story page shows it)."""
    with database.read_session() as db:
        found = db.execute(
            select(Media.storage_key, Media.content_type).where(Media.sha256 == sha256)
        ).first()
    if found is None:
        abort(404)
    storage_key, content_type = found
    response = Response(media_store().get(storage_key), mimetype=content_type)
    response.set_etag(sha256)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)
