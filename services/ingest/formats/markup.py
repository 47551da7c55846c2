"""Story text inside XML (XHTML, NITF `body.content`) as an HTML fragment.

The result is not trusted: intake sanitises it like any other wire HTML. Here elements only lose
their namespaces and NITF's own block names become their HTML equivalents.
"""

from __future__ import annotations

import copy

from lxml import etree

from services.ingest.formats.xml import local_name

#: NITF block elements and the HTML they stand for; `None` unwraps (keeps the content).
NITF_TO_HTML = {"hl1": "h2", "hl2": "h2", "block": None, "bq": "blockquote", "credit": "p"}
#: NITF elements whose content is not story text.
NITF_DROPPED = {"media", "table", "nitf-table", "note"}


def inner_html(container: etree._Element, nitf: bool = False) -> str:
    """The children of `container` (e.g. an XHTML `body`) serialised as HTML."""
    tree = copy.deepcopy(container)
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):
            continue
        element.tag = local_name(element)
        element.attrib.pop("{http://www.w3.org/XML/1998/namespace}lang", None)
    if nitf:
        _nitf_to_html(tree)
    etree.cleanup_namespaces(tree)
    parts = [tree.text or ""]
    parts.extend(etree.tostring(child, method="html", encoding="unicode") for child in tree)
    return "".join(parts).strip()


def _nitf_to_html(tree: etree._Element) -> None:
    for element in list(tree.iter()):
        if element is tree or not isinstance(element.tag, str):
            continue
        if element.tag in NITF_DROPPED:
            _remove_keeping_tail(element)
        elif element.tag in NITF_TO_HTML:
            replacement = NITF_TO_HTML[element.tag]
            if replacement is None:
                _unwrap(element)
            else:
                element.tag = replacement


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    _append_text(parent, element.getprevious(), element.tail)
    parent.remove(element)


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    _append_text(parent, element.getprevious(), element.text)
    for offset, grandchild in enumerate(list(element)):
        parent.insert(index + offset, grandchild)
    last = element.getprevious()
    _append_text(parent, last, element.tail)
    parent.remove(element)


def _append_text(
    parent: etree._Element, previous: etree._Element | None, value: str | None
) -> None:
    if not value:
        return
    if previous is None:
        parent.text = (parent.text or "") + value
    else:
        previous.tail = (previous.tail or "") + value
