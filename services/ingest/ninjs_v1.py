"""ninjs 1.x in, ninjs 2.x out: older wires still send the 1.x shape.

1.x has one `headline`, `body_html`/`body_text`, `description_*`, singular concept lists
(`subject`, `place`, `person`, …) and keyed objects where 2.x has arrays (`associations`,
`renditions`, `altids`). Properties 2.x no longer has (e.g. `mimetype`) are dropped. A picture
association's alt text (`body_text`) and credit line (`creditline`) go to Syndikat's extension
keys (`shared.ninjs.ALT_TEXT`, `CREDIT`).
"""

from __future__ import annotations

from typing import Any

from shared import ninjs

#: Keys only ninjs 1.x has; a document with one of them and none of 2.x's lists is 1.x.
V1_KEYS = {
    "headline",
    "body_html",
    "body_text",
    "body_xhtml",
    "description_html",
    "description_text",
    "byline",
    "subject",
    "place",
    "person",
    "organisation",
    "event",
    "object",
    "genre",
    "infosource",
    "mimetype",
}
V2_KEYS = {"headlines", "bodies", "descriptions", "subjects", "places", "people"}

#: Properties that mean the same in 1.x and 2.x.
SAME = (
    "uri",
    "type",
    "representationtype",
    "profile",
    "version",
    "firstcreated",
    "versioncreated",
    "contentcreated",
    "embargoed",
    "pubstatus",
    "urgency",
    "copyrightholder",
    "copyrightnotice",
    "usageterms",
    "ednote",
    "language",
    "title",
    "slugline",
    "located",
    "trustindicators",
    "standard",
)
CONCEPT_LISTS = {
    "subject": "subjects",
    "place": "places",
    "person": "people",
    "organisation": "organisations",
    "event": "events",
    "object": "objects",
}


def is_v1(doc: Any) -> bool:
    if not isinstance(doc, dict) or V2_KEYS & doc.keys():
        return False
    keyed = any(isinstance(doc.get(k), dict) for k in ("associations", "renditions", "altids"))
    return bool(V1_KEYS & doc.keys()) or keyed


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """The 2.x form of a 1.x document."""
    new: dict[str, Any] = {key: doc[key] for key in SAME if key in doc}
    if doc.get("headline"):
        new["headlines"] = [{"role": "main", "value": doc["headline"]}]
    bodies = _texts(doc, "body", "main")
    if bodies:
        new["bodies"] = bodies
    descriptions = _texts(doc, "description", "summary")
    if descriptions:
        new["descriptions"] = descriptions
    if doc.get("byline"):
        new["by"] = doc["byline"]
    for old, plural in CONCEPT_LISTS.items():
        if isinstance(doc.get(old), list):
            new[plural] = [_concept(item) for item in doc[old] if isinstance(item, dict)]
    if isinstance(doc.get("genre"), list):
        new["genres"] = [_genre(item) for item in doc["genre"] if isinstance(item, dict)]
    if isinstance(doc.get("infosource"), list):
        new["infosources"] = [_infosource(i) for i in doc["infosource"] if isinstance(i, dict)]
    _keyed_to_lists(doc, new)
    return new


def _texts(doc: dict[str, Any], prefix: str, role: str) -> list[dict[str, Any]]:
    """`body_html` and `body_text` (or `description_…`) as 2.x items, HTML first."""
    found = []
    for suffix, contenttype in (("html", "text/html"), ("xhtml", "application/xhtml+xml")):
        if doc.get(f"{prefix}_{suffix}"):
            found.append(
                {"role": role, "contenttype": contenttype, "value": doc[f"{prefix}_{suffix}"]}
            )
    if doc.get(f"{prefix}_text"):
        text_role = role if not found else "alternative"
        found.append(
            {"role": text_role, "contenttype": "text/plain", "value": doc[f"{prefix}_text"]}
        )
    return found


def _concept(item: dict[str, Any]) -> dict[str, Any]:
    """1.x `{name, rel, scheme, code}` as 2.x `{name, rel, uri | literal}`."""
    concept = {key: item[key] for key in ("name", "rel") if item.get(key)}
    code, scheme = item.get("code"), item.get("scheme")
    if code and scheme:
        concept["uri"] = (
            f"{scheme}{code}" if scheme.endswith(("/", ":", "#")) else f"{scheme}/{code}"
        )
    elif code:
        concept["literal"] = str(code)
    return concept


def _genre(item: dict[str, Any]) -> dict[str, Any]:
    concept = _concept(item)
    concept.pop("rel", None)
    return concept


def _infosource(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in ("name", "role", "uri") if item.get(key)}


def _keyed_to_lists(doc: dict[str, Any], new: dict[str, Any]) -> None:
    altids = doc.get("altids")
    if isinstance(altids, dict):
        new["altids"] = [{"role": str(role), "value": str(value)} for role, value in altids.items()]
    elif isinstance(altids, list):
        new["altids"] = altids
    renditions = doc.get("renditions")
    if isinstance(renditions, dict):
        new["renditions"] = [_rendition(name, r) for name, r in renditions.items()]
    associations = doc.get("associations")
    if isinstance(associations, dict):
        new["associations"] = [
            _association(name, item)
            for name, item in associations.items()
            if isinstance(item, dict)
        ]


def _rendition(name: str, rendition: dict[str, Any]) -> dict[str, Any]:
    kept = ("href", "title", "height", "width", "sizeinbytes", "duration", "format")
    converted = {"name": name} | {key: rendition[key] for key in kept if key in rendition}
    if rendition.get("mimetype"):
        converted["contenttype"] = rendition["mimetype"]
    return converted


def _association(name: str, item: dict[str, Any]) -> dict[str, Any]:
    converted = upgrade(item) if is_v1(item) else dict(item)
    if item.get("type") == ninjs.PICTURE:
        _picture_texts(item, converted)
    return {"name": name} | converted


def _picture_texts(item: dict[str, Any], converted: dict[str, Any]) -> None:
    """A 1.x picture's `body_text` is its alt text (Superdesk's ninjs) and `description_text`
    its caption; its credit line travels in `creditline` (which 2.x does not have)."""
    if isinstance(item.get("body_text"), str) and item["body_text"].strip():
        converted[ninjs.ALT_TEXT] = item["body_text"]
        converted["bodies"] = [
            body for body in converted.get("bodies", []) if body.get("value") != item["body_text"]
        ]
        if not converted["bodies"]:
            del converted["bodies"]
    if isinstance(item.get("creditline"), str) and item["creditline"].strip():
        converted[ninjs.CREDIT] = item["creditline"]
