"""Engine usage per day, and the monthly budgets that take a spent engine out of the chain.

Days and months are UTC, read from the project clock. The budgets count characters of German
sent to an engine (units the translation memory knew cost nothing and are not counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.translate.engines.base import Usage
from shared import clock
from shared import db as database
from shared.config import Settings
from shared.models import EngineUsage

COUNTERS = ("characters", "prompt_tokens", "completion_tokens", "requests")


def record(db: Session, engine: str, spent: Usage, when: datetime | None = None) -> None:
    """Add `spent` to the engine's day (one upsert: workers may record at the same time)."""
    if not any(getattr(spent, name) for name in COUNTERS):
        return
    day = (when or clock.now()).date()
    values = {name: getattr(spent, name) for name in COUNTERS}
    dialect = postgresql if database.is_postgres(db) else sqlite
    statement = dialect.insert(EngineUsage).values(engine=engine, day=day, **values)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["engine", "day"],
            set_={name: getattr(EngineUsage, name) + values[name] for name in COUNTERS},
        )
    )


def month_characters(db: Session, engine: str, when: datetime | None = None) -> int:
    """Characters the engine translated in the calendar month of `when` (default: now)."""
    first = _first_of_month((when or clock.now()).date())
    total = db.scalar(
        select(func.coalesce(func.sum(EngineUsage.characters), 0)).where(
            EngineUsage.engine == engine, EngineUsage.day >= first
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class BudgetSpent:
    engine: str
    budget: int
    used: int

    def __str__(self) -> str:
        return f"{self.engine}: monthly budget of {self.budget} characters spent"


def spent_budget(db: Session, settings: Settings, engine: str) -> BudgetSpent | None:
    """The engine's budget if this month's usage has reached it; None while it may translate."""
    budget = settings.monthly_budget(engine)
    if budget is None:
        return None
    used = month_characters(db, engine)
    return BudgetSpent(engine, budget, used) if used >= budget else None


@dataclass(frozen=True)
class DayUsage:
    engine: str
    day: date
    characters: int
    prompt_tokens: int
    completion_tokens: int
    requests: int


def recent(db: Session, days: int = 31) -> list[DayUsage]:
    """Each engine's usage per day over the last `days` days, newest first."""
    since = clock.now().date() - timedelta(days=days - 1)
    rows = db.scalars(
        select(EngineUsage)
        .where(EngineUsage.day >= since)
        .order_by(EngineUsage.day.desc(), EngineUsage.engine)
    )
    return [
        DayUsage(r.engine, r.day, r.characters, r.prompt_tokens, r.completion_tokens, r.requests)
        for r in rows
    ]


def this_month(db: Session) -> dict[str, Usage]:
    """Each engine's usage in the current calendar month."""
    return _since(db, _first_of_month(clock.now().date()))


def today(db: Session) -> dict[str, Usage]:
    """Each engine's usage today (UTC)."""
    return _since(db, clock.now().date())


def _since(db: Session, first: date) -> dict[str, Usage]:
    sums = [func.sum(getattr(EngineUsage, name)) for name in COUNTERS]
    rows = db.execute(
        select(EngineUsage.engine, *sums)
        .where(EngineUsage.day >= first)
        .group_by(EngineUsage.engine)
        .order_by(EngineUsage.engine)
    )
    return {engine: Usage(*(int(value or 0) for value in values)) for engine, *values in rows}


def _first_of_month(day: date) -> date:
    return day.replace(day=1)
