"""The story state machine: which state may follow which, and the only two ways to change it.

A story moves forward while the work on its current version goes on; only a new version from
its source starts it over. So every service changes the state in one of two ways:

- `move`: a result for one version (a translation stored, a review approved, a fan-out) moves
  the story as a compare-and-set — `UPDATE stories SET state = :to WHERE id = :id AND state IN
  (the states allowed to reach :to) AND current_version_id = :version`. A late result for a
  superseded version, or one that lost a race, changes nothing: the result stays stored, the
  refusal goes on the story's timeline, and the caller goes on without error.
- `start_version`: a new version arriving from intake resets the state (to received, held or
  killed) from any state, together with the story's current version, in the same transaction.
  That is how a killed story returns when the wire sends it again.

    received        -> translating, held (a picture failed, the source holds such stories)
    translating     -> translating (a task run again), ready, needs_review, held, awaiting_engine
    awaiting_engine -> translating
    needs_review    -> needs_review (an edit), ready (approved)
    ready           -> published, embargoed
    embargoed       -> published, killed
    held, published, killed: final for their version
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from shared import events
from shared.events import Stage
from shared.models import Story, StoryState, StoryVersion, utcnow

log = logging.getLogger(__name__)
S = StoryState

#: Within one version: state -> the states it may move to.
TRANSITIONS: dict[StoryState, frozenset[StoryState]] = {
    # held: a picture failed and the source's picture policy is `hold`
    S.RECEIVED: frozenset({S.TRANSLATING, S.HELD}),
    S.TRANSLATING: frozenset({S.TRANSLATING, S.READY, S.NEEDS_REVIEW, S.HELD, S.AWAITING_ENGINE}),
    S.AWAITING_ENGINE: frozenset({S.TRANSLATING}),
    S.NEEDS_REVIEW: frozenset({S.NEEDS_REVIEW, S.READY}),
    S.READY: frozenset({S.PUBLISHED, S.EMBARGOED}),
    S.EMBARGOED: frozenset({S.PUBLISHED, S.KILLED}),
    S.HELD: frozenset(),
    S.PUBLISHED: frozenset(),
    S.KILLED: frozenset(),
}

#: The states a new version starts the story in, whatever state it was in.
NEW_VERSION_STATES = frozenset({S.RECEIVED, S.HELD, S.KILLED})


def sources_of(to: StoryState) -> list[StoryState]:
    """The states that may move to `to` within a version."""
    return [state for state, targets in TRANSITIONS.items() if to in targets]


def move(
    db: Session,
    story_id: uuid.UUID,
    version_id: int,
    to: StoryState,
    detail: str | None = None,
    result: str | None = None,
) -> bool:
    """Move the story to `to` if `version_id` is still its current version and its state may
    go there; returns whether it moved. `result` names what asked (for the timeline)."""
    allowed_from = sources_of(to)
    if not allowed_from:
        raise ValueError(f"no state moves to {to} within a version; a new version starts it")
    changed = db.execute(
        update(Story)
        .where(
            Story.id == story_id,
            Story.current_version_id == version_id,
            Story.state.in_(allowed_from),
        )
        .values(state=to, state_detail=detail, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _forget_loaded_state(db, story_id)
    if changed.rowcount == 1:  # type: ignore[attr-defined]
        return True
    _explain_refusal(db, story_id, version_id, to, result)
    return False


def start_version(
    story: Story, version: StoryVersion, to: StoryState, detail: str | None = None
) -> None:
    """Make `version` the story's current one and start it at `to` (intake only)."""
    if to not in NEW_VERSION_STATES:
        raise ValueError(f"a new version starts at {sorted(NEW_VERSION_STATES)}, not {to}")
    story.current_version = version
    story.state = to
    story.state_detail = detail


def _forget_loaded_state(db: Session, story_id: uuid.UUID) -> None:
    """The UPDATE bypassed the ORM: a loaded story reads its state afresh next time."""
    loaded = db.identity_map.get(identity_key(Story, story_id))
    if loaded is not None:
        db.expire(loaded, ["state", "state_detail", "updated_at", "current_version_id"])


def _explain_refusal(
    db: Session, story_id: uuid.UUID, version_id: int, to: StoryState, result: str | None
) -> None:
    row = db.execute(
        select(Story.state, Story.current_version_id).where(Story.id == story_id)
    ).one_or_none()
    if row is None:
        log.warning("no story %s to move to %s", story_id, to)
        return
    state, current_id = row
    if state == to and current_id == version_id:
        return  # a task delivered twice: the first copy moved it already
    if current_id != version_id:
        labels = dict(
            db.execute(
                select(StoryVersion.id, StoryVersion.version).where(
                    StoryVersion.id.in_([version_id, current_id])
                )
            ).all()
        )
        why = (
            f"version {labels.get(version_id, '?')} is superseded by version "
            f"{labels.get(current_id, '?') if current_id is not None else '?'}"
        )
    else:
        why = f"{state} never moves to {to}"
    done = result or f"move to {to}"
    events.record(db, story_id, Stage.STATE_KEPT, f"{done}; {why}: the story stays {state}")
