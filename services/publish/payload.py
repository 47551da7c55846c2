"""What a partner receives: the English story as ninjs 2.x, with the source's attribution."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from shared.models import Partner, Source


def partner_story(english: dict[str, Any], source: Source, partner: Partner) -> dict[str, Any]:
    story = copy.deepcopy(english)
    story["copyrightnotice"] = render_attribution(partner, source)
    return story


def render_attribution(partner: Partner, source: Source) -> str:
    name = source.attribution or source.name
    if name.lower().startswith("source:"):
        return name
    return partner.attribution_template.format(source=name)


def event_body(event: str, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event, "timestamp": occurred_at.isoformat(), "data": data}
