"""One story: what the wire sent, what partners got, and everything that happened between."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, render_template

from services.dashboard import review, story_view
from shared import db as database
from shared.models import Story

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
            problems=story_view.qa_problems(translation),
            versions=story_view.version_changes(story.versions),
            timeline=story_view.timeline(db, story.id),
            deliveries=story_view.deliveries(db, story.id),
            drafts=review.take_drafts(key),
        )
