"""Wire documents in the formats Syndikat takes, read into ninjs 2.x dicts for intake.

ninjs (1.x or 2.x JSON), NewsML-G2 and NITF are told apart by their content, not their file
names. RSS and Atom are read by `services.ingest.feeds`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.ingest.formats import newsml_g2, nitf
from services.ingest.formats.errors import MalformedDocument, UnsupportedFormat
from services.ingest.formats.xml import local_name, parse_xml
from shared.models import SourceKind
from shared.web import json_input

NINJS = "ninjs"
NEWSML_G2 = "newsml-g2"
NITF = "nitf"

#: The formats each kind of source takes; push, folder and feed sources take every format.
FORMATS_OF_KIND = {SourceKind.NEWSML_G2: (NEWSML_G2,), SourceKind.NITF: (NITF,)}
ALL_FORMATS = (NINJS, NEWSML_G2, NITF)

__all__ = ["Documents", "MalformedDocument", "UnsupportedFormat", "read_documents"]


class Documents(list[Any]):
    """The stories of one document, and the items it also held that are no stories."""

    def __init__(self, stories: list[Any], left_out: list[tuple[str, str]] | None = None):
        super().__init__(stories)
        #: (item, why): e.g. a news message's package or picture items.
        self.left_out = left_out or []


def read_documents(data: bytes, kind: str = SourceKind.FOLDER) -> Documents:
    """The stories in `data` (one, or several for a NewsML-G2 newsMessage), not yet validated."""
    text_start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text_start in (b"{", b"["):
        _expect(NINJS, kind)
        return Documents([_json(data)])
    if text_start != b"<":
        raise UnsupportedFormat("not a ninjs (JSON), NewsML-G2 or NITF (XML) document")
    root = parse_xml(data)
    name = local_name(root)
    if name in newsml_g2.ROOTS:
        _expect(NEWSML_G2, kind)
        return Documents(*newsml_g2.stories(root))
    if name == "nitf":
        _expect(NITF, kind)
        return Documents(nitf.stories(root))
    if etree.QName(root).namespace == newsml_g2.NAMESPACE or name in newsml_g2.PARTS:
        raise UnsupportedFormat(f"a fragment of NewsML-G2 (<{name}>), not a whole item")
    raise UnsupportedFormat(f"XML with root <{name}> is neither NewsML-G2 nor NITF")


def _expect(found: str, kind: str) -> None:
    accepted = FORMATS_OF_KIND.get(SourceKind(kind), ALL_FORMATS)
    if found not in accepted:
        raise UnsupportedFormat(f"this source takes {', '.join(accepted)}, not {found}")


def _json(data: bytes) -> Any:
    try:
        return json_input.loads(data)
    except json_input.UnacceptableJSON as exc:
        raise MalformedDocument(str(exc)) from exc
