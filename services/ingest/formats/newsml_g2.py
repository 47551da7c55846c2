"""NewsML-G2 (IPTC) news items as ninjs 2.x.

A file holds one `newsItem`, or a `newsMessage` whose `itemSet` holds several. Text comes from
the `contentSet`: inline XHTML, inline NITF, or plain inline data. A picture (video, …) item
keeps its `remoteContent` as renditions; intake holds it (`services.ingest.story_kind`).

Only news items are stories. Event, planning, concept and knowledge items, and news items that
carry events or concepts instead of text, are refused as what they are. A package grouping a
text item with picture items is one story with its pictures (`newsml_g2_packages`). A newsMessage
yields its packages' stories and its other text items (the rest are left out, and intake records
why) and is refused when it holds none.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.ingest.formats import common
from services.ingest.formats import newsml_g2_packages as packages
from services.ingest.formats.markup import inner_html
from services.ingest.formats.xml import child, children, local_name, text
from shared import ninjs

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XHTML = "http://www.w3.org/1999/xhtml"
NAMESPACE = "http://iptc.org/std/nar/2006-10-01/"
#: Parts of an item, sent on their own (e.g. copied out of the specification).
PARTS = ("itemMeta", "contentMeta", "contentSet", "itemSet", "rightsInfo")
PACKAGE = "packageItem"
#: The other kinds of NewsML-G2 item, and what each is instead of a story.
NOT_STORIES = {
    "eventItem": "an event listing, not a story",
    "planningItem": "a planning item (coverage being planned), not a story",
    "conceptItem": "a concept (a person, place, topic, … described), not a story",
    "knowledgeItem": "a set of concepts (a knowledge item), not a story",
}
ITEMS = ("newsItem", PACKAGE, *NOT_STORIES)
ROOTS = (*ITEMS, "newsMessage")
#: What a news item's inlineXML holds when it is no text: the item is the same as these.
INLINE_NOT_TEXT = {
    "events": "eventItem",
    "concepts": "conceptItem",
    "newsCoverageSet": "planningItem",
}
TEXT_CLASSES = ("text", "composite")
MEDIA_CLASSES = ("picture", "video", "audio", "graphic")


def stories(root: etree._Element) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The stories, and the items left out with why (a newsMessage's items that are no text)."""
    name = local_name(root)
    if name == "newsItem":
        return [news_item(root)], []
    if name == PACKAGE:
        return [packages.story(packages.Package(root), {}, news_item, _item_class)], []
    if name != "newsMessage":
        raise not_a_story(name)
    item_set = child(root, "itemSet")
    items = [i for i in (item_set if item_set is not None else root) if local_name(i) in ITEMS]
    found, left_out, grouped = _package_stories(items)
    rest = [
        item for item in items if local_name(item) != PACKAGE and item.get("guid") not in grouped
    ]
    found += [news_item(item) for item in rest if _is_text_item(item)]
    left_out += [_why_left_out(item) for item in rest if not _is_text_item(item)]
    if not found:
        problems = [f"{item}: {why}" for item, why in left_out] or ["itemSet: no item"]
        raise ninjs.NotAStory("the newsMessage holds no text item, so no story", problems)
    return found, left_out


def _package_stories(
    items: list[etree._Element],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], set[str]]:
    """The stories of a newsMessage's packages, the packages left out, and the guids of the
    items that went into a story (they are not stories of their own)."""
    included = {item.get("guid", ""): item for item in items if local_name(item) == "newsItem"}
    found, left_out, grouped = [], [], set()
    for element in (item for item in items if local_name(item) == PACKAGE):
        package = packages.Package(element)
        try:
            found.append(packages.story(package, included, news_item, _item_class))
        except ninjs.NotAStory as why:
            left_out.append((f"{PACKAGE} {package.guid}", str(why)))
            continue
        grouped |= set(package.residrefs()) & included.keys()
    return found, left_out, grouped


def not_a_story(item_name: str) -> ninjs.NotAStory:
    return ninjs.NotAStory(f"a NewsML-G2 {item_name} is {NOT_STORIES[item_name]}")


def _is_text_item(item: etree._Element) -> bool:
    return local_name(item) == "newsItem" and _item_class(item) in TEXT_CLASSES


def _why_left_out(item: etree._Element) -> tuple[str, str]:
    name = local_name(item)
    ref = f"{name} {item.get('guid') or '(no guid)'}"
    if name == "newsItem":
        return ref, f"a {_item_class(item)} item, not a text story"
    return ref, str(not_a_story(name))


def _item_class(item: etree._Element) -> str:
    return _type(child(item, "itemMeta/itemClass"))


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
    doc["renditions"] = _renditions(child(item, "contentSet"))
    return common.without_empty(doc)


def _type(item_class: etree._Element | None) -> str:
    qcode = (item_class.get("qcode") if item_class is not None else None) or "ninat:text"
    kind = qcode.rsplit(":", 1)[-1]
    return kind if kind in (*TEXT_CLASSES, *MEDIA_CLASSES) else "text"


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
    content = next((element for element in inline if isinstance(element.tag, str)), None)
    if content is None:
        return ""
    name = local_name(content)
    if name in INLINE_NOT_TEXT:
        item = INLINE_NOT_TEXT[name]
        raise ninjs.NotAStory(f"a NewsML-G2 newsItem carrying {name} is {NOT_STORIES[item]}")
    if name == "nitf":
        body = child(content, "body/body.content")
        return inner_html(body, nitf=True) if body is not None else ""
    if name != "html" and etree.QName(content).namespace != XHTML:
        return ""  # XML in some other vocabulary: no text a reader could be shown
    body = child(content, "body") if name == "html" else content
    return inner_html(body) if body is not None else ""


def _renditions(content_set: etree._Element | None) -> list[dict[str, Any]]:
    """A media item's files (`remoteContent`), so that holding the item loses none of them."""
    if content_set is None:
        return []
    return [
        common.without_empty(
            {
                "name": _role(remote, number),
                "title": _role(remote, number),
                "href": remote.get("href"),
                "contenttype": remote.get("contenttype"),
                "width": common.integer(remote.get("width")),
                "height": common.integer(remote.get("height")),
                "sizeinbytes": common.integer(remote.get("size")),
            }
        )
        for number, remote in enumerate(children(content_set, "remoteContent"), start=1)
    ]


def _role(remote: etree._Element, number: int) -> str:
    """The rendition's role without its scheme: `rnd:highRes` → `highRes`."""
    return (remote.get("rendition") or f"rendition{number}").rsplit(":", 1)[-1]
