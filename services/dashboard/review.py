"""The review queue: stories the QA gate held, with its reasons; approve, or edit and approve."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from services.dashboard import review_actions, story_view
from services.dashboard.navigation import back_to
from shared import db as database
from shared.models import Story, StoryState, Translation

bp = Blueprint("review", __name__)
LIMIT = 200


@bp.get("/review")
def index() -> Any:
    with database.session() as db:
        query = (
            select(Story, Translation)
            .outerjoin(Translation, Translation.story_version_id == Story.current_version_id)
            .where(Story.state == StoryState.NEEDS_REVIEW)
            .order_by(Story.created_at, Story.id)  # oldest waits longest: first
            .limit(LIMIT)
        )
        held = [
            (story, translation, story_view.qa_findings(translation))
            for story, translation in db.execute(query)
        ]
        return render_template("dashboard/review.html", held=held, limit=LIMIT)


@bp.post("/review/<uuid:story_id>/approve")
def approve(story_id: uuid.UUID) -> Any:
    return _act(story_id, lambda: review_actions.approve(story_id, g.user.name), "Approved.")


@bp.post("/review/<uuid:story_id>/segments/<int:index>")
def edit_segment(story_id: uuid.UUID, index: int) -> Any:
    text = request.form.get("text", "").strip()
    if not text:
        flash("The English segment cannot be empty.", "error")
        return redirect(url_for("story.show", story_id=story_id))
    return _act(
        story_id,
        lambda: review_actions.edit_segment_and_approve(story_id, index, text, g.user.name),
        f"Segment {index + 1} saved and the story approved.",
    )


def _act(story_id: uuid.UUID, action: Any, done: str) -> Any:
    with database.session() as db:
        if db.get(Story, story_id) is None:
            abort(404)
    try:
        action()
    except review_actions.ReviewUnavailable as exc:
        flash(f"Not done: {exc}.", "error")
    else:
        flash(done, "success")
    return redirect(back_to("story.show", story_id=story_id))
