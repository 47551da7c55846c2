"""Parsing XML from outside, hardened: no entity expansion, no DTD loading, no network.

Wire XML needs none of those, and each is an attack: external entities read local files or
fetch URLs (XXE), nested entities multiply into gigabytes (billion laughs), a DTD on the network
leaks that we parsed. So entities are never resolved, no DTD is loaded (a NITF `<!DOCTYPE … SYSTEM
"…">` line is fine: it is simply not fetched), and a document that declares entities at all is
refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from services.ingest.formats.errors import MalformedDocument

ENTITIES_REFUSED = (
    "XML with entity declarations is refused (protection against XXE and entity bombs)"
)
#: A DOCTYPE's internal subset; looked at before parsing, because a parser meeting an entity
#: bomb stops with an error about the bomb ("not well-formed"), not about what was refused.
INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE\b[^\[>]*\[(.*?)\]\s*>", re.DOTALL)


def _parser() -> etree.XMLParser:
    # A parser is not thread-safe, and a new one costs microseconds.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """The root element of `data`; raises `MalformedDocument` for anything unsafe or broken."""
    subset = INTERNAL_SUBSET.search(data)
    if subset is not None and b"<!ENTITY" in subset.group(1):
        raise MalformedDocument(ENTITIES_REFUSED)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedDocument(f"not well-formed XML: {exc}") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise MalformedDocument(ENTITIES_REFUSED)
    return root


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """Child elements called `name`, in whatever namespace the document uses (none of None)."""
    for child in element if element is not None else ():
        if local_name(child) == name:
            yield child


def child(element: etree._Element | None, path: str) -> etree._Element | None:
    """The first element along `path` ("itemMeta/versionCreated"), namespaces ignored."""
    for name in path.split("/"):
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def text(element: etree._Element | None) -> str | None:
    """The element's whole text, whitespace collapsed; None when empty or missing."""
    if element is None:
        return None
    value = " ".join("".join(element.itertext()).split())
    return value or None
