"""NITF (News Industry Text Format, IPTC) documents as ninjs 2.x.

The story's identity is `docdata/doc-id/@id-string` (with `regsrc`, the registrar:
`urn:nitf:<regsrc>:<id>`; without, intake scopes it to the source); its version, when the wire
numbers them, `docdata/du-key/@version` (otherwise intake numbers versions by content).
Each `<media media-type="image">` becomes a picture association: its `media-reference`s the
renditions, `media-caption` the caption, `media-producer` the credit line.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.ingest.formats import common
from services.ingest.formats.markup import inner_html
from services.ingest.formats.xml import child, children, local_name, text
from services.ingest.identity import HAS_SCHEME
from shared import ninjs

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SUBJECT_CODES = "http://cv.iptc.org/newscodes/subjectcode/"


def stories(root: etree._Element) -> list[dict[str, Any]]:
    return [document(root)]


def document(root: etree._Element) -> dict[str, Any]:
    head, body = child(root, "head"), child(root, "body")
    docdata = child(head, "docdata")
    doc = {
        "uri": _uri(docdata),
        "type": "text",
        "language": root.get(XML_LANG) or root.get("baselang"),
        "title": text(child(head, "title")),
        **_docdata(docdata),
        **_body_head(child(body, "body.head")),
        "subjects": [_subject(s) for s in _subjects(head)],
    }
    content = child(body, "body.content")
    if content is not None:
        html = inner_html(content, nitf=True)
        if html:
            doc["bodies"] = [{"role": "main", "contenttype": "text/html", "value": html}]
        doc["associations"] = _pictures(content, doc["uri"])
    return common.without_empty(doc)


def _pictures(content: etree._Element, uri: str) -> list[dict[str, Any]]:
    """Each `<media media-type="image">` as a picture association (its text is no body text)."""
    images = [
        element
        for element in content.iter()
        if local_name(element) == "media" and element.get("media-type") == "image"
    ]
    return [_picture(media, uri, number) for number, media in enumerate(images, start=1)]


def _picture(media: etree._Element, uri: str, number: int) -> dict[str, Any]:
    references = list(children(media, "media-reference"))
    caption = text(child(media, "media-caption"))
    alt = next((r.get("alternate-text") for r in references if r.get("alternate-text")), None)
    return common.without_empty(
        {
            "name": f"picture{number}",
            "uri": f"{uri}#picture{number}",
            "type": "picture",
            "descriptions": (
                [{"role": "caption", "contenttype": "text/plain", "value": caption}]
                if caption
                else []
            ),
            "renditions": [_rendition(r, n) for n, r in enumerate(references, start=1)],
            ninjs.CREDIT: text(child(media, "media-producer")),
            ninjs.ALT_TEXT: alt,
        }
    )


def _rendition(reference: etree._Element, number: int) -> dict[str, Any]:
    name = reference.get("name") or f"rendition{number}"
    return common.without_empty(
        {
            "name": name,
            "title": name,
            "href": reference.get("source"),
            "contenttype": reference.get("mime-type"),
            "width": common.integer(reference.get("width")),
            "height": common.integer(reference.get("height")),
        }
    )


def _uri(docdata: etree._Element | None) -> str:
    doc_id = child(docdata, "doc-id")
    id_string = doc_id.get("id-string") if doc_id is not None else None
    if not id_string:
        raise ninjs.InvalidStory("the NITF document has no doc-id", ["docdata/doc-id: required"])
    registrar = doc_id.get("regsrc") if doc_id is not None else None
    if HAS_SCHEME.match(id_string) or not registrar:
        return id_string  # a bare id means something only within its source: intake scopes it
    return f"urn:nitf:{registrar}:{id_string}"


def _docdata(docdata: etree._Element | None) -> dict[str, Any]:
    if docdata is None:
        return {}
    du_key, urgency = child(docdata, "du-key"), child(docdata, "urgency")
    issued, released = child(docdata, "date.issue"), child(docdata, "date.release")
    copyright_ = child(docdata, "doc.copyright")
    message = child(docdata, "ed-msg")
    return {
        "version": du_key.get("version") if du_key is not None else None,
        "pubstatus": common.pubstatus(docdata.get("management-status")),
        "versioncreated": common.iso_datetime(_norm(issued), "date.issue"),
        "embargoed": common.iso_datetime(_norm(released), "date.release"),
        "urgency": common.urgency(urgency.get("ed-urg") if urgency is not None else None),
        "copyrightholder": copyright_.get("holder") if copyright_ is not None else None,
        "ednote": message.get("info") if message is not None else None,
    }


def _norm(element: etree._Element | None) -> str | None:
    return element.get("norm") if element is not None else None


def _body_head(body_head: etree._Element | None) -> dict[str, Any]:
    if body_head is None:
        return {}
    hedline = child(body_head, "hedline")
    headlines = [{"role": "main", "value": text(h)} for h in children(hedline, "hl1") if text(h)]
    headlines += [{"role": "sub", "value": text(h)} for h in children(hedline, "hl2") if text(h)]
    abstract = child(body_head, "abstract")
    summary = inner_html(abstract, nitf=True) if abstract is not None else ""
    dateline = child(body_head, "dateline")
    return {
        "headlines": headlines if hedline is not None else [],
        "by": text(child(body_head, "byline")),
        "located": text(child(dateline, "location")) or text(dateline),
        "descriptions": (
            [{"role": "summary", "contenttype": "text/html", "value": summary}] if summary else []
        ),
    }


def _subjects(head: etree._Element | None) -> list[etree._Element]:
    tobject = child(head, "tobject")
    return list(children(tobject, "tobject.subject")) if tobject is not None else []


def _subject(element: etree._Element) -> dict[str, str]:
    refnum = element.get("tobject.subject.refnum")
    name = element.get("tobject.subject.matter") or element.get("tobject.subject.type") or ""
    subject = {"name": name}
    if refnum:
        subject["uri"] = SUBJECT_CODES + refnum
    return common.without_empty(subject)
