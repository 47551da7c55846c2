"""Hostile XML and feeds: pushed NewsML-G2/NITF and polled RSS/Atom.

XML is parsed without entities, DTDs or network (services/ingest/formats/xml.py) and feeds are
read through the one HTTP client with a size limit. Each case: a clear refusal (400 for a push, a
failed poll saying why) or the outcome the docs promise, nothing stored that should not be,
no file read and no URL fetched, and the same source taking a good document afterwards.
"""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from services.ingest.feeds.poll import poll_feed
from services.ingest.push_client import signed_push_headers
from shared.models import IngestError, Source, Story
from tests.hostile.conftest import changed
from tests.support.factories import FIXTURES, add_source
from tests.support.feed_server import FeedServer

SECRET_FILE_TEXT = "TOP-SECRET-FILE-CONTENT"
G2_ITEM = (FIXTURES / "newsml-g2" / "hafen-streik.v1.xml").read_bytes()


@pytest.fixture
def feed_server() -> Any:
    with FeedServer() as server:
        yield server


@pytest.fixture
def secret_file(tmp_path: Any) -> str:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET_FILE_TEXT)
    return f"file://{path}"


def laughs(root: str, inner: str) -> bytes:
    """A billion-laughs document: nine levels of ten references each."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>{inner}'.encode()


def nitf(head: str = "", hedline: str = "Stadtrat tagt") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}<nitf><head><docdata>'
        f'<doc-id id-string="urn:test:nitf:{uuid.uuid4().hex}"/></docdata></head><body>'
        f"<body.head><hedline><hl1>{hedline}</hl1></hedline></body.head>"
        "<body.content><p>Der Stadtrat hat am Dienstag über den Haushalt beraten.</p>"
        "</body.content></body></nitf>"
    ).encode()


@dataclass(frozen=True)
class BadXml:
    #: Builds the body from the URLs it may try to reach: (a secret file, a DTD on our server).
    body: Any
    status: int
    code: str


BAD_PUSHES = {
    "malformed XML": BadXml(lambda f, u: b"<nitf><head></nitf>", 400, "malformed_xml"),
    "XXE reading a file": BadXml(
        lambda f, u: nitf(f'<!DOCTYPE nitf [<!ENTITY x SYSTEM "{f}">]>', "&x;"),
        400,
        "malformed_xml",
    ),
    "XXE fetching a URL": BadXml(
        lambda f, u: nitf(f'<!DOCTYPE nitf [<!ENTITY x SYSTEM "{u}">]>', "&x;"),
        400,
        "malformed_xml",
    ),
    "a parameter entity fetching a DTD": BadXml(
        lambda f, u: nitf(f'<!DOCTYPE nitf [<!ENTITY % p SYSTEM "{u}"> %p;]>'),
        400,
        "malformed_xml",
    ),
    "billion laughs": BadXml(
        lambda f, u: laughs("nitf", "<nitf><head><title>&a9;</title></head></nitf>"),
        400,
        "malformed_xml",
    ),
    "quadratic blowup": BadXml(
        lambda f, u: nitf(f'<!DOCTYPE nitf [<!ENTITY b "{"b" * 50_000}">]>', "&b;" * 1000),
        400,
        "malformed_xml",
    ),
    "an encoding that is not the bytes'": BadXml(
        lambda f, u: nitf().replace(b'encoding="UTF-8"', b'encoding="UTF-16"'),
        400,
        "malformed_xml",
    ),
    "an unknown encoding": BadXml(
        lambda f, u: nitf().replace(b'encoding="UTF-8"', b'encoding="x-klingon"'),
        400,
        "malformed_xml",
    ),
    "XML that is neither NewsML-G2 nor NITF": BadXml(
        lambda f, u: b"<rss version='2.0'><channel/></rss>", 415, "unsupported_format"
    ),
    "a NewsML-G2 item without guid": BadXml(
        lambda f, u: G2_ITEM.replace(b"guid=", b"data-guid="), 422, "invalid_story"
    ),
}


@pytest.mark.parametrize("case", list(BAD_PUSHES), ids=list(BAD_PUSHES))
def test_a_hostile_xml_push_is_refused_reads_nothing_and_fetches_nothing(
    client, secret, rows, feed_server, secret_file, case
):
    bad = BAD_PUSHES[case]
    dtd_url = feed_server.serve("/evil.dtd", b'<!ENTITY leak "x">', content_type="text/plain")
    body = bad.body(secret_file, dtd_url)
    headers = signed_push_headers(secret, body.decode("utf-8", "replace"))
    before = rows()

    answer = client.post("/v1/sources/wire/stories", data=body, headers=headers)

    assert answer.status_code == bad.status, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"]["code"] == bad.code
    assert SECRET_FILE_TEXT not in answer.get_data(as_text=True)
    assert feed_server.requests_for("/evil.dtd") == []
    assert changed(before, rows()) == {"ingest_errors": 1}  # written down, nothing stored
    good = nitf()
    again = client.post(
        "/v1/sources/wire/stories", data=good, headers=signed_push_headers(secret, good.decode())
    )
    assert again.status_code == 202


def test_a_doctype_naming_a_remote_dtd_is_taken_and_the_dtd_never_fetched(
    client, secret, db, feed_server
):
    dtd_url = feed_server.serve("/nitf.dtd", b'<!ENTITY leak "x">', content_type="text/plain")
    body = nitf(f'<!DOCTYPE nitf SYSTEM "{dtd_url}">')

    answer = client.post(
        "/v1/sources/wire/stories", data=body, headers=signed_push_headers(secret, body.decode())
    )

    assert answer.status_code == 202
    assert feed_server.requests_for("/nitf.dtd") == []


def test_xinclude_is_not_processed(client, secret, db, secret_file):
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_file}"/>'
    body = nitf(hedline=f"Stadtrat {include} tagt")

    answer = client.post(
        "/v1/sources/wire/stories", data=body, headers=signed_push_headers(secret, body.decode())
    )

    assert answer.status_code == 202
    assert SECRET_FILE_TEXT not in json.dumps(client.get(answer.get_json()["status_url"]).json)


# Feeds -----------------------------------------------------------------------------------------


def feed(items: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>HND</title><language>de</language>{items}</channel></rss>"
    ).encode()


def item(title: str = "Meldung aus dem Norden", guid: str | None = None) -> str:
    return (
        f"<item><title>{title}</title><guid isPermaLink='false'>{guid or uuid.uuid4().hex}</guid>"
        "<description>Die Stadt meldet neue Zahlen zum Hafenumschlag im Dezember.</description>"
        "</item>"
    )


def gzip_bomb() -> bytes:
    """12 KB on the wire, 12 MiB once decompressed: over the 10 MiB feed limit."""
    return gzip.compress(feed(item()) + b" " * (12 * 1024 * 1024), compresslevel=9)


@dataclass(frozen=True)
class BadFeed:
    body: Any  # (secret file URL, DTD URL) -> bytes
    #: A text the source's last error must contain.
    reason: str
    headers: dict[str, str] | None = None


BAD_FEEDS = {
    "XXE reading a file": BadFeed(
        lambda f, u: feed(item("&x;"), f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{f}">]>'),
        "declares XML entities",
    ),
    "a parameter entity fetching a DTD": BadFeed(
        lambda f, u: feed(item(), f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{u}"> %p;]>'),
        "declares XML entities",
    ),
    "billion laughs": BadFeed(
        lambda f, u: laughs("rss", feed(item("&a9;")).decode().split("?>", 1)[1]),
        "declares XML entities",
    ),
    "a gzip bomb": BadFeed(
        lambda f, u: gzip_bomb(), "larger than the limit", {"Content-Encoding": "gzip"}
    ),
    "a 20 MB feed": BadFeed(
        lambda f, u: feed(item("x" * (20 * 1024 * 1024))), "larger than the limit"
    ),
    "not a feed at all": BadFeed(lambda f, u: b"<html><body>Hallo</body></html>", "not"),
    "binary garbage": BadFeed(lambda f, u: bytes(range(256)) * 10, "not"),
}


def poll(db: Any, source_id: int) -> Any:
    result = poll_feed(source_id)
    db.expire_all()
    return result


@pytest.mark.parametrize("case", list(BAD_FEEDS), ids=list(BAD_FEEDS))
def test_a_hostile_feed_fails_its_poll_stores_nothing_and_the_next_good_poll_works(
    db, rows, feed_server, secret_file, case
):
    bad = BAD_FEEDS[case]
    dtd_url = feed_server.serve("/evil.dtd", b'<!ENTITY leak "x">', content_type="text/plain")
    url = feed_server.serve("/rss", bad.body(secret_file, dtd_url), headers=bad.headers or {})
    source_id = add_source(db, "hnd", kind="rss", url=url).id
    before = rows()

    result = poll(db, source_id)

    assert result.outcome == "failed"
    source = db.get(Source, source_id)
    assert bad.reason in source.last_error
    assert SECRET_FILE_TEXT not in source.last_error
    assert feed_server.requests_for("/evil.dtd") == []
    assert changed(before, rows()).keys() <= {"ingest_errors"}
    feed_server.serve("/rss", feed(item()))
    assert poll(db, source_id).stored == 1


def test_a_malformed_feed_is_read_leniently_and_the_problem_noted(db, feed_server):
    url = feed_server.serve("/rss", feed(item("Müller & Söhne: Meldung")))
    source_id = add_source(db, "hnd", kind="rss", url=url).id

    result = poll(db, source_id)

    assert result.stored == 1
    assert db.scalars(select(Story.headline)).one() == "Müller & Söhne: Meldung"
    error = db.scalars(select(IngestError)).one()
    assert error.item_ref == "(feed)" and "not clean XML" in error.reason


def test_a_feed_in_broken_utf8_is_read_as_windows_1252_and_noted(db, feed_server):
    url = feed_server.serve("/rss", feed(item("Caf\u00e9-Meldung")).replace("é".encode(), b"\xe9"))
    source_id = add_source(db, "hnd", kind="rss", url=url).id

    result = poll(db, source_id)

    assert result.stored == 1
    assert db.scalars(select(Story.headline)).one().startswith("Café-Meldung")
    assert any("windows-1252" in note for note in result.notes)


def test_a_feed_whose_doctype_names_a_remote_dtd_never_fetches_it(db, feed_server):
    dtd_url = feed_server.serve("/evil.dtd", b'<!ENTITY leak "x">', content_type="text/plain")
    url = feed_server.serve("/rss", feed(item(), f'<!DOCTYPE rss SYSTEM "{dtd_url}">'))
    source_id = add_source(db, "hnd", kind="rss", url=url).id

    assert poll(db, source_id).stored == 1
    assert feed_server.requests_for("/evil.dtd") == []


def test_script_and_sql_in_a_feed_are_stored_harmlessly(db, feed_server):
    title = "x'); DROP TABLE stories; --"
    body = "&lt;p&gt;Text&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;"
    entry = item(title).replace("<description>Die Stadt", f"<description>{body} Die Stadt")
    url = feed_server.serve("/rss", feed(entry))
    source_id = add_source(db, "hnd", kind="rss", url=url).id

    assert poll(db, source_id).stored == 1
    story = db.scalars(select(Story)).one()
    assert story.headline == title
    assert "<script" not in json.dumps(story.current_version.ninjs)
