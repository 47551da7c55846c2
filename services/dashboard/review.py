"""The review queue: stories the QA gate held, with its findings; approve, edit a sentence, or
edit and approve. Every action is the translate service's (`services.translate.interface`, as
for the review API): an edit goes into the translation memory and the story is checked again;
approving publishes.

An edit the service refuses (a sentence that lost a marker, say) is not thrown away: what the
reviewer typed is kept in their session and put back into the sentence's editor on the story
page, with the reason above it, to be fixed rather than typed again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.dashboard import audit_trail, markers, story_view
from services.dashboard.messages import say
from services.dashboard.navigation import back_to
from services.dashboard.roles import requires
from services.translate import interface as translate
from shared import audit
from shared import db as database
from shared.models import Role, Story, Translation

bp = Blueprint("review", __name__)
LIMIT = 200
#: The session's refused edits: "<story id>:<segment index>" → the text as typed.
DRAFTS = "review_drafts"


@bp.get("/review")
def index() -> Any:
    with database.session() as db:
        waiting = translate.waiting_for_review(db)
        ids = [uuid.UUID(entry["id"]) for entry in waiting[:LIMIT]]
        held = [
            (story, translation, story_view.qa_problems(translation))
            for story, translation in _held(db, ids)
        ]
        return render_template("dashboard/review.html", held=held, total=len(waiting), limit=LIMIT)


def _held(db: Session, ids: list[uuid.UUID]) -> list[tuple[Story, Translation | None]]:
    """The stories in the queue's order, each with its current version's translation."""
    query = (
        select(Story, Translation)
        .outerjoin(Translation, Translation.story_version_id == Story.current_version_id)
        .where(Story.id.in_(ids))
    )
    found = {story.id: (story, translation) for story, translation in db.execute(query)}
    return [found[key] for key in ids if key in found]


@bp.post("/review/<uuid:story_id>/approve")
@requires(Role.EDITOR)
def approve(story_id: uuid.UUID) -> Any:
    def approve_and_record(db: Session) -> Any:
        described = translate.approve(db, story_id, g.user.name)
        audit_trail.record(db, "review.approve", _story_target(db, story_id))
        return described

    _review(story_id, approve_and_record, "Approved: it goes to the partners now.")
    return redirect(back_to("story.show", story_id=story_id))


@bp.post("/review/<uuid:story_id>/segments/<int:index>")
@requires(Role.EDITOR)
def edit_segment(story_id: uuid.UUID, index: int) -> Any:
    typed = request.form.get("english", "")
    english = markers.from_editor(typed.strip())
    and_approve = request.form.get("then") == "approve"

    def edit(db: Session) -> Any:
        before = _segment_english(db, story_id, index)
        described = translate.edit_segment(db, story_id, index, english, g.user.name)
        audit_trail.record(
            db,
            "review.edit",
            _story_target(db, story_id),
            {"segment": index, "english": before},
            {"segment": index, "english": english},
        )
        if and_approve:
            described = translate.approve(db, story_id, g.user.name)
            audit_trail.record(db, "review.approve", _story_target(db, story_id))
        return described

    done = f"Segment {index} saved" + (
        " and the story approved." if and_approve else "; the story was checked again."
    )
    anchor = "" if and_approve else f"#unit-{index}"
    refused = _review(story_id, edit, done)
    if refused:
        _keep_draft(story_id, index, typed)
        return redirect(back_to("story.show", story_id=story_id) + f"#unit-{index}")
    return redirect(back_to("story.show", story_id=story_id) + anchor)


def _review(story_id: uuid.UUID, action: Callable[[Session], Any], done: str) -> str | None:
    """Run `action`; returns the refusal's message, or None when it was done."""
    with database.session() as db:
        try:
            action(db)
        except translate.ReviewError as exc:
            db.rollback()
            say(f"Not done: {exc.message}.", "error")
            return exc.message
        say(done, "success")
    return None


def _keep_draft(story_id: uuid.UUID, index: int, typed: str) -> None:
    session[DRAFTS] = session.get(DRAFTS, {}) | {f"{story_id}:{index}": typed[:5000]}


def take_drafts(story_id: uuid.UUID) -> dict[int, str]:
    """The story's refused edits by segment index, taken out of the session (shown once)."""
    drafts = session.get(DRAFTS) or {}
    prefix = f"{story_id}:"
    mine = {key: text for key, text in drafts.items() if key.startswith(prefix)}
    if mine:
        session[DRAFTS] = {key: text for key, text in drafts.items() if key not in mine}
    return {int(key.removeprefix(prefix)): text for key, text in mine.items()}


def _story_target(db: Session, story_id: uuid.UUID) -> audit.Target:
    story = db.get(Story, story_id)
    return audit.Target("story", story_id, (story.headline or story.uri) if story else None)


def _segment_english(db: Session, story_id: uuid.UUID, index: int) -> str | None:
    """The sentence's English before the edit, for the audit log."""
    translation = db.scalar(
        select(Translation)
        .join(Story, Translation.story_version_id == Story.current_version_id)
        .where(Story.id == story_id)
    )
    units = (translation.segments or []) if translation else []
    return units[index].get("english") if 0 <= index < len(units) else None
