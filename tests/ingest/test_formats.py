"""Reading NewsML-G2, NITF and ninjs documents, and refusing hostile or broken XML."""

from __future__ import annotations

import json

import pytest

from services.ingest.formats import MalformedDocument, UnsupportedFormat, read_documents
from services.ingest.intake import prepare
from shared import ninjs
from tests.support.factories import FIXTURES
from tests.support.feed_server import FeedServer

G2 = FIXTURES / "newsml-g2"
NITF = FIXTURES / "nitf" / "stadtrat-haushalt.xml"


def read_one(data: bytes, kind: str = "folder") -> dict:
    [doc] = read_documents(data, kind)
    return prepare(doc)


def test_a_newsml_g2_item_becomes_ninjs():
    doc = read_one((G2 / "hafen-streik.v1.xml").read_bytes())

    assert ninjs.problems(doc) == []
    assert doc["uri"] == "urn:newsml:hnd.example:20231201:hafen-warnstreik"
    assert (doc["version"], doc["pubstatus"], doc["language"]) == ("1", "usable", "de")
    assert doc["versioncreated"] == "2023-12-01T07:45:00+01:00"
    assert doc["headlines"] == [
        {"role": "main", "value": "Warnstreik legt Containerterminals im Hamburger Hafen lahm"},
        {"role": "sub", "value": "Verdi fordert 14 Prozent mehr Lohn für die Hafenarbeiter"},
    ]
    assert doc["descriptions"][0]["role"] == "summary"
    assert doc["by"] == "Von Jana Petersen"
    assert doc["located"] == "Hamburg"
    assert doc["urgency"] == 3
    assert doc["copyrightholder"] == "Hanse Nachrichtendienst"
    assert {"name": "Seeverkehr", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000788"} in (
        doc["subjects"]
    )
    body = doc["bodies"][0]
    assert body["contenttype"] == "text/html"
    assert body["value"].startswith("<p>Ein Warnstreik hat am Freitagmorgen")
    assert "<h2>Verhandlungen am Dienstag</h2>" in body["value"]
    assert '<a href="https://verdi.example/hafen">ihrer Internetseite</a>' in body["value"]
    assert "xmlns" not in body["value"]


def test_a_newsml_g2_update_and_kill_carry_their_versions():
    update = read_one((G2 / "hafen-streik.v2.xml").read_bytes())
    kill = read_one((G2 / "hafen-streik.v3-kill.xml").read_bytes())

    assert (update["version"], update["ednote"][:12]) == ("2", "Aktualisiert")
    assert "1.500 Beschäftigte" in update["bodies"][0]["value"]
    assert (kill["version"], kill["pubstatus"]) == ("3", "canceled")


def test_a_newsml_g2_message_gives_every_item_inline_nitf_and_plain_text_included():
    docs = [prepare(d) for d in read_documents((G2 / "message-two-items.xml").read_bytes())]

    assert [d["uri"] for d in docs] == [
        "urn:newsml:hnd.example:20231202:elbtunnel-sperrung",
        "urn:newsml:hnd.example:20231202:port-figures-en",
    ]
    tunnel, port = docs
    assert "<h2>Umleitungen ausgeschildert</h2>" in tunnel["bodies"][0]["value"]
    assert port["language"] == "en"
    assert port["bodies"] == [
        {
            "role": "main",
            "contenttype": "text/plain",
            "value": port["bodies"][0]["value"],
        }
    ]
    assert port["bodies"][0]["value"].startswith("Container throughput at the port of Hamburg")


def test_a_nitf_document_becomes_ninjs_and_its_remote_dtd_is_not_needed():
    doc = read_one(NITF.read_bytes())

    assert ninjs.problems(doc) == []
    assert doc["uri"] == "urn:nitf:HND:20231204-stadtrat-haushalt"
    assert (doc["version"], doc["pubstatus"], doc["language"]) == ("1", "usable", "de-DE")
    assert doc["versioncreated"] == "2023-12-04T18:30:00+01:00"
    assert [h["role"] for h in doc["headlines"]] == ["main", "sub"]
    assert (
        doc["headlines"][0]["value"] == "Stadtrat beschließt Doppelhaushalt mit Rekordinvestitionen"
    )
    assert doc["by"] == "Von Malte Brandt, HND"
    assert doc["located"] == "Lübeck"
    assert doc["ednote"].startswith("Sperrfrist beachtet")
    assert doc["subjects"] == [
        {"name": "Kommunalpolitik", "uri": "http://cv.iptc.org/newscodes/subjectcode/11006000"}
    ]
    body = doc["bodies"][0]["value"]
    assert "<h2>Kritik der Opposition</h2>" in body
    assert "<p>Der Haushalt muss noch von der Kommunalaufsicht genehmigt werden.</p>" in body
    assert "Das Rathaus" not in body  # a media caption is not story text
    assert "lede" not in body


def test_a_nitf_document_without_doc_id_is_refused():
    data = NITF.read_bytes().replace(b'id-string="20231204-stadtrat-haushalt"', b"")
    with pytest.raises(ninjs.InvalidStory, match="no doc-id"):
        read_documents(data)


def test_a_newsml_g2_item_without_guid_is_refused():
    data = (G2 / "hafen-streik.v1.xml").read_bytes().replace(b"guid=", b"data-guid=")
    with pytest.raises(ninjs.InvalidStory, match="no guid"):
        read_documents(data)


def test_a_ninjs_1x_document_is_read_as_json():
    doc = read_one((FIXTURES / "ninjs-1x" / "de-kita-gebuehren.json").read_bytes())
    assert doc["headlines"][0]["value"] == "Kiel schafft Kita-Gebühren für Geschwisterkinder ab"


def test_a_source_of_one_xml_format_refuses_the_other():
    with pytest.raises(UnsupportedFormat, match="takes nitf, not newsml-g2"):
        read_documents((G2 / "hafen-streik.v1.xml").read_bytes(), "nitf")
    with pytest.raises(UnsupportedFormat, match="takes newsml-g2, not ninjs"):
        read_documents(json.dumps({"uri": "urn:x"}).encode(), "newsml-g2")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"<newsItem guid='a'><itemMeta></newsItem>", MalformedDocument, "not well-formed"),
        (b"<rss version='2.0'><channel/></rss>", UnsupportedFormat, "neither NewsML-G2 nor NITF"),
        (b"Betreff: Meldung", UnsupportedFormat, "not a ninjs"),
        (b"{broken json", MalformedDocument, "not valid JSON"),
        (
            b'<?xml version="1.0" encoding="utf-8"?><nitf>\xff\xfe</nitf>',
            MalformedDocument,
            "Invalid bytes",
        ),
        (b'{"uri": "\xff"}', MalformedDocument, "not valid UTF-8"),
    ],
    ids=[
        "malformed XML",
        "other XML",
        "plain text",
        "malformed JSON",
        "bad UTF-8 XML",
        "bad UTF-8 JSON",
    ],
)
def test_broken_documents_get_a_clear_error(data, error, message):
    with pytest.raises(error, match=message):
        read_documents(data)


def test_xxe_is_refused_and_no_file_is_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<newsItem guid="urn:x" version="1"><contentMeta><headline>&xxe;</headline>'
        "</contentMeta></newsItem>"
    ).encode()

    with pytest.raises(MalformedDocument, match="entity declarations is refused") as refused:
        read_documents(data)
    assert "TOP-SECRET" not in str(refused.value)


def test_billion_laughs_is_refused_without_expanding():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{(f"&lol{n - 1};" if n > 1 else "&lol;") * 10}">' for n in range(1, 10)
    )
    data = (
        f'<?xml version="1.0"?><!DOCTYPE nitf [{entities}]>'
        "<nitf><head><title>&lol9;</title></head></nitf>"
    ).encode()

    with pytest.raises(MalformedDocument, match="XML with entity declarations is refused"):
        read_documents(data)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE nitf SYSTEM "{url}">',
        '<!DOCTYPE nitf [<!ENTITY % remote SYSTEM "{url}"> %remote;]>',
    ],
    ids=["external DTD", "external parameter entity"],
)
def test_a_dtd_on_the_network_is_never_fetched(doctype):
    with FeedServer() as server:
        url = server.serve("/evil.dtd", b'<!ENTITY leak "x">', content_type="text/plain")
        data = NITF.read_bytes().replace(
            b'<!DOCTYPE nitf SYSTEM "http://www.nitf.org/IPTC/NITF/3.6/specification/dtd/nitf-3-6.dtd">',
            doctype.format(url=url).encode(),
        )
        try:
            read_documents(data)
        except MalformedDocument as refused:
            assert "entity declarations is refused" in str(
                refused
            )  # the parameter entity is refused
        assert server.requests_for("/evil.dtd") == []
