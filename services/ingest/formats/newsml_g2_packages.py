"""NewsML-G2 packages: a text item grouped with its pictures becomes ONE story with them.

A package (`packageItem`) refers to its items by `itemRef/@residref`. Sent in a newsMessage
together with those items, the text item is the story and each picture item becomes one of its
picture associations (renditions, caption, photographer, credit line, rights). Sent alone, a
package still makes a story when its text item's reference describes it (title, description),
as IPTC's simple package example does; its pictures' references give the associations (with
renditions only when they link an image). Linked items are never fetched while reading: a
package whose text is neither included nor described is not a story Syndikat can read.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.ingest.formats import common
from services.ingest.formats.xml import child, local_name, text
from shared import ninjs

IMAGE_TYPES = ("image/",)


class Package:
    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.guid = element.get("guid") or "(no guid)"
        self.refs = [ref for ref in element.iter() if local_name(ref) == "itemRef"]

    def residrefs(self) -> list[str]:
        return [ref.get("residref", "") for ref in self.refs if ref.get("residref")]


def story(
    package: Package,
    included: dict[str, etree._Element],
    news_item: Any,
    item_class: Any,
) -> dict[str, Any]:
    """The story of `package`; `included` maps guids to the items sent with it. Raises
    `ninjs.NotAStory` when its text is neither included nor described."""
    text_ref = next(
        (
            ref
            for ref in package.refs
            if _ref_class(ref, included, item_class) in ("text", "composite")
        ),
        None,
    )
    if text_ref is None:
        raise ninjs.NotAStory(
            f"the NewsML-G2 package {package.guid} groups no text item: not a story"
        )
    text_item = included.get(text_ref.get("residref", ""))
    doc = news_item(text_item) if text_item is not None else _described(package, text_ref)
    pictures = [
        _picture(ref, included.get(ref.get("residref", "")), news_item, number)
        for number, ref in enumerate(
            (r for r in package.refs if _ref_class(r, included, item_class) == "picture"), start=1
        )
    ]
    if pictures:
        doc["associations"] = [*(doc.get("associations") or []), *pictures]
    return doc


def _ref_class(ref: etree._Element, included: dict[str, etree._Element], item_class: Any) -> str:
    item = included.get(ref.get("residref", ""))
    if item is not None:
        return str(item_class(item))
    declared = child(ref, "itemClass")
    qcode = declared.get("qcode") if declared is not None else None
    return (qcode or "ninat:text").rsplit(":", 1)[-1]


def _described(package: Package, ref: etree._Element) -> dict[str, Any]:
    """A story from the package's own metadata and its text item's reference."""
    headline = text(child(ref, "title"))
    summary = text(child(ref, "description"))
    if not headline and not summary:
        raise ninjs.NotAStory(
            f"the NewsML-G2 package {package.guid} only refers to its text item "
            f"{ref.get('residref')}, which is not included: not a story Syndikat can read "
            "(linked items are not fetched)"
        )
    meta = child(package.element, "itemMeta")
    status = child(meta, "pubStatus")
    return common.without_empty(
        {
            "uri": package.element.get("guid"),
            "version": package.element.get("version") or "1",
            "type": "text",
            "versioncreated": common.iso_datetime(
                text(child(meta, "versionCreated")), "versionCreated"
            ),
            "pubstatus": common.pubstatus(status.get("qcode") if status is not None else None),
            "headlines": [{"role": "main", "value": headline}] if headline else [],
            "descriptions": [{"role": "summary", "contenttype": "text/plain", "value": summary}]
            if summary
            else [],
        }
    )


def _picture(
    ref: etree._Element, item: etree._Element | None, news_item: Any, number: int
) -> dict[str, Any]:
    name = f"picture{number}"
    if item is not None:
        return picture_association(item, news_item(item), name)
    href, contenttype = ref.get("href"), ref.get("contenttype") or ""
    renditions = (
        [{"name": "original", "title": "original", "href": href, "contenttype": contenttype}]
        if href and contenttype.startswith(IMAGE_TYPES)
        else []
    )
    caption = text(child(ref, "description"))
    return common.without_empty(
        {
            "name": name,
            "uri": ref.get("residref") or ref.get("href") or name,
            "type": "picture",
            "headlines": [{"role": "main", "value": text(child(ref, "title"))}]
            if text(child(ref, "title"))
            else [],
            "descriptions": [{"role": "caption", "contenttype": "text/plain", "value": caption}]
            if caption
            else [],
            "renditions": renditions,
        }
    )


def picture_association(item: etree._Element, doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A picture newsItem (already read into `doc`) as a story's picture association."""
    association: dict[str, Any] = {
        key: doc[key]
        for key in (
            "uri",
            "version",
            "type",
            "headlines",
            "descriptions",
            "by",
            "copyrightholder",
            "copyrightnotice",
            "usageterms",
            "renditions",
            "language",
        )
        if key in doc
    }
    credit = text(child(item, "contentMeta/creditline"))
    if credit:
        association[ninjs.CREDIT] = credit
    return {"name": name} | association
