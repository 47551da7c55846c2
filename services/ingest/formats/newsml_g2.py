"""NewsML-G2 (IPTC) news items as ninjs 2.x.

A file holds one `newsItem`, or a `newsMessage` whose `itemSet` holds several. Text comes from
the `contentSet`: inline XHTML, inline NITF, or plain inline data.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.ingest.formats import common
from services.ingest.formats.markup import inner_html
from services.ingest.formats.xml import child, children, local_name, text
from shared import ninjs

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = ("newsItem", "newsMessage")


def stories(root: etree._Element) -> list[dict[str, Any]]:
    if local_name(root) == "newsItem":
        return [news_item(root)]
    item_set = child(root, "itemSet")
    items = list(children(item_set if item_set is not None else root, "newsItem"))
    if not items:
        raise ninjs.InvalidStory("the newsMessage holds no newsItem")
    return [news_item(item) for item in items]


def news_item(item: etree._Element) -> dict[str, Any]:
    guid = item.get("guid")
    if not guid:
        raise ninjs.InvalidStory("the newsItem has no guid", ["newsItem/@guid: required"])
    meta, content = child(item, "itemMeta"), child(item, "contentMeta")
    doc = {
        "uri": guid,
        "version": item.get("version") or "1",
        "type": _type(child(meta, "itemClass")),
        "language": _language(item, content),
        **_item_meta(meta),
        **_content_meta(content),
        **_rights(child(item, "rightsInfo")),
    }
    doc["bodies"] = _bodies(child(item, "contentSet"))
    return common.without_empty(doc)


def _type(item_class: etree._Element | None) -> str:
    qcode = (item_class.get("qcode") if item_class is not None else None) or "ninat:text"
    kind = qcode.rsplit(":", 1)[-1]
    return kind if kind in ("text", "picture", "video", "audio", "graphic", "composite") else "text"


def _language(item: etree._Element, content: etree._Element | None) -> str | None:
    tagged = child(content, "language")
    return (tagged.get("tag") if tagged is not None else None) or item.get(XML_LANG)


def _item_meta(meta: etree._Element | None) -> dict[str, Any]:
    status = child(meta, "pubStatus")
    notes = [text(note) for note in children(meta, "edNote")] if meta is not None else []
    return {
        "versioncreated": common.iso_datetime(
            text(child(meta, "versionCreated")), "versionCreated"
        ),
        "firstcreated": common.iso_datetime(text(child(meta, "firstCreated")), "firstCreated"),
        "embargoed": common.iso_datetime(text(child(meta, "embargoed")), "embargoed"),
        "pubstatus": common.pubstatus(status.get("qcode") if status is not None else None),
        "title": text(child(meta, "title")),
        "ednote": " ".join(note for note in notes if note) or None,
    }


def _content_meta(content: etree._Element | None) -> dict[str, Any]:
    if content is None:
        return {}
    return {
        "urgency": common.urgency(text(child(content, "urgency"))),
        "slugline": text(child(content, "slugline")),
        "by": text(child(content, "by")) or text(child(content, "creator/name")),
        "located": text(child(content, "located/name")),
        "headlines": [_role_value(h, "main") for h in children(content, "headline") if text(h)],
        "descriptions": [
            _role_value(d, "summary") | {"contenttype": "text/plain"}
            for d in children(content, "description")
            if text(d)
        ],
        "subjects": [_concept(s) for s in children(content, "subject")],
        "genres": [_concept(g) for g in children(content, "genre")],
    }


def _role_value(element: etree._Element, default_role: str) -> dict[str, str]:
    role = (element.get("role") or default_role).rsplit(":", 1)[-1]
    return {"role": role, "value": text(element) or ""}


def _concept(element: etree._Element) -> dict[str, str]:
    concept = {"name": text(child(element, "name")) or ""}
    if element.get("uri"):
        concept["uri"] = element.get("uri", "")
    elif element.get("qcode"):
        concept["literal"] = element.get("qcode", "")
    return common.without_empty(concept)


def _rights(rights: etree._Element | None) -> dict[str, Any]:
    holder = child(rights, "copyrightHolder")
    return {
        "copyrightholder": text(child(holder, "name"))
        or (holder.get("literal") if holder is not None else None),
        "copyrightnotice": text(child(rights, "copyrightNotice")),
        "usageterms": text(child(rights, "usageTerms")),
    }


def _bodies(content_set: etree._Element | None) -> list[dict[str, str]]:
    if content_set is None:
        return []
    bodies = []
    for inline in children(content_set, "inlineXML"):
        html = _inline_xml(inline)
        if html:
            bodies.append({"role": "main", "contenttype": "text/html", "value": html})
    for inline in children(content_set, "inlineData"):
        if text(inline):
            role = "main" if not bodies else "alternative"
            bodies.append({"role": role, "contenttype": "text/plain", "value": inline.text or ""})
    return bodies


def _inline_xml(inline: etree._Element) -> str:
    content = next(iter(inline), None)
    if content is None:
        return ""
    if local_name(content) == "nitf":
        body = child(content, "body/body.content")
        return inner_html(body, nitf=True) if body is not None else ""
    body = child(content, "body") if local_name(content) == "html" else content
    return inner_html(body) if body is not None else ""
