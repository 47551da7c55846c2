"""A source's engine route: which engine translates a story, by its urgency.

A route is comma-separated `condition:engine` rules, the first that matches wins:
`urgency<=2:deepl,*:local` sends stories of urgency 1 and 2 (ninjs: 1 is the most urgent) to
DeepL and every other story to the local model. Conditions: `urgency<=N`, `urgency>=N`,
`urgency=N` and `*` (any story). A story without an urgency matches only `*`. The chosen engine
goes first; SYNDIKAT_ENGINE and SYNDIKAT_FALLBACK_ENGINES follow as its fallbacks. Shared
because ingest checks a route when a source is saved and translate follows it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_CONDITION = re.compile(r"^urgency\s*(<=|>=|=)\s*(\d+)$")
_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "=": operator.eq,
}
#: A registered engine name or a module:Class import path.
_ENGINE = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$")


class RouteError(ValueError):
    """A route that cannot be read; the message says why."""


@dataclass(frozen=True)
class Rule:
    condition: str
    engine: str

    def matches(self, urgency: int | None) -> bool:
        if self.condition == "*":
            return True
        found = _CONDITION.match(self.condition)
        if found is None or urgency is None:
            return False
        return _OPERATORS[found[1]](urgency, int(found[2]))


def parse(route: str) -> list[Rule]:
    """The rules of a route, in order; `RouteError` for anything unreadable."""
    rules = []
    for item in (part.strip() for part in route.split(",")):
        if not item:
            continue
        condition, sep, engine = (piece.strip() for piece in item.partition(":"))
        if not sep or not engine:
            raise RouteError(f"{item!r}: write condition:engine, e.g. urgency<=2:deepl")
        if condition != "*" and not _CONDITION.match(condition):
            raise RouteError(f"{condition!r}: a condition is urgency<=N, >=N, =N or *")
        if not _ENGINE.match(engine):
            raise RouteError(f"{engine!r} is not an engine name or module:Class")
        rules.append(Rule(condition, engine))
    if not rules:
        raise RouteError("a route needs at least one condition:engine rule")
    return rules


def engine_for(route: str | None, doc: dict[str, Any]) -> str | None:
    """The engine the route picks for a ninjs story; None: no route, or no rule matched."""
    if not route:
        return None
    urgency = doc.get("urgency")
    urgency = urgency if isinstance(urgency, int) and not isinstance(urgency, bool) else None
    return next((rule.engine for rule in parse(route) if rule.matches(urgency)), None)
