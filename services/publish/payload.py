"""What a partner receives: the English story as ninjs 2.x, with attribution and byline applied.

The source's attribution goes into `copyrightnotice` through the partner's template (e.g.
`Source: {source}`); the byline (`by`) is the wire's, or the partner's own under the "partner"
byline policy. Pictures point at Syndikat's own signed copy (`pictures`). A kill carries the
story's `uri` with `pubstatus: canceled`.
"""

from __future__ import annotations

import copy
import string
from datetime import datetime
from typing import Any

from services.publish import pictures
from shared import ninjs
from shared.models import DeliveryEvent, Partner, Source, utcnow

TEMPLATE_FIELDS = ("source",)
BYLINE_POLICIES = ("wire", "partner")


class InvalidTemplate(ValueError):
    pass


def partner_story(
    english: dict[str, Any],
    source: Source,
    partner: Partner,
    media_base: str | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """What `partner` gets of `english`. Pictures point at Syndikat's signed media addresses
    under `media_base` (default: SYNDIKAT_PUBLIC_API_URL), valid from `issued_at` (default: now;
    a webhook passes its creation time, so a retry sends the same body)."""
    story = copy.deepcopy(english)
    pictures.for_partners(story, issued_at or utcnow(), media_base)
    story["copyrightnotice"] = render_attribution(partner, source)
    if partner.byline_policy == "partner":
        if partner.byline:
            story["by"] = partner.byline
        else:
            story.pop("by", None)  # the partner's own system signs it
    return story


def killed_story(uri: str, version: str, source: Source, partner: Partner) -> dict[str, Any]:
    return {
        "uri": uri,
        "type": "text",
        "version": version,
        "pubstatus": ninjs.KILLED,
        "copyrightnotice": render_attribution(partner, source),
    }


def source_name(source: Source) -> str:
    """The name attribution shows: the source's attribution without a leading "Source:"."""
    text = (source.attribution or source.name).strip()
    if text.lower().startswith("source:"):
        text = text[len("source:") :].strip()
    return text or source.name


def render_attribution(partner: Partner, source: Source) -> str:
    return partner.attribution_template.format(source=source_name(source))


def check_template(template: str) -> str:
    """The template if it only uses known fields (`{source}`), else `InvalidTemplate`."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InvalidTemplate(f"attribution template {template!r}: {exc}") from exc
    unknown = [name for _, name, _, _ in parsed if name is not None and name not in TEMPLATE_FIELDS]
    if unknown:
        raise InvalidTemplate(
            f"attribution template uses {{{unknown[0]}}}; it may use only {{source}}"
        )
    return template


def event_body(event: DeliveryEvent, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event, "timestamp": occurred_at.isoformat(), "data": data}
