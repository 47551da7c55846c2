"""Pictures in every format: ninjs 1.x, 2.x and 3.x associations, NewsML-G2 picture items and
packages, NITF `<media>` — each a picture association with renditions, caption, alt text,
photographer, credit, copyright notice and usage terms, ready to be fetched."""

from __future__ import annotations

import json

import pytest

from services.ingest.formats import read_documents
from services.ingest.intake import prepare
from shared import ninjs
from tests.support.factories import fixture_story
from tests.support.wire import IPTC

G2 = "http://iptc.org/std/nar/2006-10-01/"


def prepared(data: bytes) -> list[dict]:
    return [prepare(doc) for doc in read_documents(data)]


def test_a_ninjs_1x_picture_association_keeps_caption_alt_text_credit_and_renditions():
    doc = {
        "uri": "urn:dpa:kita",
        "type": "text",
        "language": "de",
        "headline": "Kita-Gebühren steigen",
        "body_html": "<p>Die Gebühren steigen.</p>",
        "associations": {
            "featuremedia": {
                "uri": "urn:dpa:kita:bild",
                "type": "picture",
                "headline": "Eine Kita in Hamburg",
                "description_text": "Kinder spielen im Garten einer Kita.",
                "body_text": "Drei Kinder auf einem Klettergerüst",
                "byline": "Marcus Brandt",
                "creditline": "Foto: dpa",
                "copyrightnotice": "dpa",
                "usageterms": "Nur zur redaktionellen Verwendung",
                "renditions": {
                    "original": {
                        "href": "https://wire.example/kita.jpg",
                        "mimetype": "image/jpeg",
                        "width": 2000,
                        "height": 1333,
                    },
                    "thumbnail": {"href": "javascript:alert(1)", "width": 200, "height": 133},
                },
            }
        },
    }
    [story] = prepared(json.dumps(doc).encode())
    [picture] = ninjs.pictures(story)
    assert picture["name"] == "featuremedia"
    assert ninjs.caption(picture) == "Kinder spielen im Garten einer Kita."
    assert picture[ninjs.ALT_TEXT] == "Drei Kinder auf einem Klettergerüst"
    assert picture[ninjs.CREDIT] == "Foto: dpa"
    assert picture["by"] == "Marcus Brandt"
    assert picture["copyrightnotice"] == "dpa"
    assert picture["usageterms"] == "Nur zur redaktionellen Verwendung"
    assert picture["renditions"][0] == {
        "name": "original",
        "href": "https://wire.example/kita.jpg",
        "contenttype": "image/jpeg",
        "width": 2000,
        "height": 1333,
    }
    assert "href" not in picture["renditions"][1]  # only http(s) links survive
    assert "bodies" not in picture


def test_a_ninjs_2x_creditline_and_extension_keys_are_kept_plain():
    picture = {
        "name": "bild",
        "uri": "urn:x:bild",
        "type": "picture",
        "creditline": "Foto: <b>dpa</b>",
        "x-syndikat-alt": "Ein <script>alert(1)</script>Rathaus",
        "renditions": [{"name": "baseImage", "href": "https://wire.example/a.jpg"}],
    }
    story = prepare(fixture_story(associations=[picture]))
    [kept] = ninjs.pictures(story)
    assert kept[ninjs.CREDIT] == "Foto: dpa"
    assert kept[ninjs.ALT_TEXT] == "Ein Rathaus"
    assert "creditline" not in kept


def test_a_ninjs_3x_picture_association_is_kept_in_2x_form():
    story = prepare(fixture_story("ninjs-3x/en-ferry-timetable.json"))
    [picture] = ninjs.pictures(story)
    assert picture["renditions"] == [
        {
            "name": "main",
            "href": "https://hnd.example/ferry.jpg",
            "contenttype": "image/jpeg",
            "width": 1200,
            "height": 800,
        }
    ]
    assert "rel" not in picture


NITF = b"""<?xml version="1.0" encoding="UTF-8"?>
<nitf><head><docdata><doc-id regsrc="hnd" id-string="rathaus-1"/></docdata></head>
<body><body.head><hedline><hl1>Das Rathaus wird renoviert</hl1></hedline></body.head>
<body.content>
<p>Der Ratssaal bekommt neue Fenster.</p>
<media media-type="image">
  <media-reference source="https://hnd.example/rathaus.jpg" mime-type="image/jpeg"
                   width="1600" height="1067" alternate-text="Das Rathaus von vorn" name="large"/>
  <media-reference source="https://hnd.example/rathaus-klein.jpg" mime-type="image/jpeg"
                   width="400" height="267" name="small"/>
  <media-caption>Das Rathaus am Marktplatz.</media-caption>
  <media-producer>Foto: HND/Anna Fotografin</media-producer>
</media>
<media media-type="video"><media-reference source="https://hnd.example/film.mp4"/></media>
</body.content></body></nitf>"""


def test_nitf_media_images_become_picture_associations():
    [story] = prepared(NITF)
    [picture] = ninjs.pictures(story)
    assert picture["uri"] == "urn:nitf:hnd:rathaus-1#picture1"
    assert ninjs.caption(picture) == "Das Rathaus am Marktplatz."
    assert picture[ninjs.CREDIT] == "Foto: HND/Anna Fotografin"
    assert picture[ninjs.ALT_TEXT] == "Das Rathaus von vorn"
    assert [(r["name"], r["href"], r["width"], r["height"]) for r in picture["renditions"]] == [
        ("large", "https://hnd.example/rathaus.jpg", 1600, 1067),
        ("small", "https://hnd.example/rathaus-klein.jpg", 400, 267),
    ]
    assert "Marktplatz" not in ninjs.main_body(story)["value"]  # the caption is no body text


def g2_message(package_refs: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="{G2}"><itemSet>
  <packageItem guid="urn:hnd:paket" version="1">
    <itemMeta><itemClass qcode="ninat:composite"/></itemMeta>
    <groupSet root="G1"><group id="G1">{package_refs}</group></groupSet>
  </packageItem>
  <newsItem guid="urn:hnd:text" version="2" xml:lang="de">
    <itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>
    <contentMeta><headline>Elbtunnel gesperrt</headline></contentMeta>
    <contentSet><inlineData>Der Elbtunnel ist am Wochenende gesperrt.</inlineData></contentSet>
  </newsItem>
  <newsItem guid="urn:hnd:foto" version="1" xml:lang="de">
    <rightsInfo><copyrightHolder><name>HND</name></copyrightHolder>
      <copyrightNotice>(c) HND 2023</copyrightNotice><usageTerms>Nur redaktionell</usageTerms>
    </rightsInfo>
    <itemMeta><itemClass qcode="ninat:picture"/></itemMeta>
    <contentMeta>
      <creator role="crol:photographer"><name>Anna Fotografin</name></creator>
      <creditline>Foto: HND</creditline>
      <headline>Die Tunnelröhre</headline>
      <description role="drol:caption">Die Oströhre des Elbtunnels.</description>
    </contentMeta>
    <contentSet>
      <remoteContent rendition="rnd:highRes" href="https://hnd.example/tunnel.jpg"
                     contenttype="image/jpeg" width="3000" height="2000" size="2048000"/>
      <remoteContent rendition="rnd:preview" href="https://hnd.example/tunnel-preview.jpg"
                     contenttype="image/jpeg" width="1024" height="683"/>
      <remoteContent rendition="rnd:thumbnail" href="file:///srv/tunnel-thumb.jpg"
                     contenttype="image/jpeg" width="120" height="80"/>
    </contentSet>
  </newsItem>
</itemSet></newsMessage>""".encode()


def test_a_newsml_g2_package_of_a_text_and_a_picture_is_one_story_with_its_picture():
    documents = read_documents(
        g2_message('<itemRef residref="urn:hnd:text"/><itemRef residref="urn:hnd:foto"/>')
    )
    assert documents.left_out == []
    [story] = [prepare(doc) for doc in documents]
    assert story["uri"] == "urn:hnd:text"
    [picture] = ninjs.pictures(story)
    assert picture["uri"] == "urn:hnd:foto"
    assert ninjs.main_headline(picture) == "Die Tunnelröhre"
    assert ninjs.caption(picture) == "Die Oströhre des Elbtunnels."
    assert picture["by"] == "Anna Fotografin"
    assert picture[ninjs.CREDIT] == "Foto: HND"
    assert (picture["copyrightnotice"], picture["usageterms"]) == (
        "(c) HND 2023",
        "Nur redaktionell",
    )
    assert [(r["name"], r.get("href"), r["width"]) for r in picture["renditions"]] == [
        ("highRes", "https://hnd.example/tunnel.jpg", 3000),
        ("preview", "https://hnd.example/tunnel-preview.jpg", 1024),
        ("thumbnail", None, 120),
    ]
    assert picture["renditions"][1]["contenttype"] == "image/jpeg"


def test_a_picture_outside_any_package_is_still_left_out():
    documents = read_documents(g2_message('<itemRef residref="urn:hnd:text"/>'))
    assert documents.left_out == [("newsItem urn:hnd:foto", "a picture item, not a text story")]
    assert "associations" not in prepare(documents[0])


IPTC_PICTURES = [
    ("newsml-g2/LISTING_6_Simple_NewsML-G2_Package.xml", 1),
    ("ninjs/2.1/tt_text_image_2.json", 1),
    ("ninjs/3.0/tt_text_image_3.json", 1),
]


@pytest.mark.skipif(not IPTC.is_dir(), reason=f"IPTC's examples are not at {IPTC}")
@pytest.mark.parametrize(("name", "pictures"), IPTC_PICTURES)
def test_iptcs_examples_ingest_with_their_pictures(name, pictures):
    [story] = prepared((IPTC / name).read_bytes())
    assert len(ninjs.pictures(story)) == pictures
    assert ninjs.main_headline(story)
    for picture in ninjs.pictures(story):
        assert ninjs.caption(picture) or ninjs.main_headline(picture)


@pytest.mark.skipif(not IPTC.is_dir(), reason=f"IPTC's examples are not at {IPTC}")
def test_iptcs_photo_keeps_its_three_renditions_with_sizes():
    [photo] = prepared((IPTC / "newsml-g2/LISTING_3_Photo_in_NewsML-G2.xml").read_bytes())
    assert [
        (r["name"], r["width"], r["height"], r["contenttype"]) for r in photo["renditions"]
    ] == [
        ("highRes", 1500, 1001, "image/jpeg"),
        ("web", 480, 320, "image/jpeg"),
        ("thumb", 80, 53, "image/gif"),
    ]
