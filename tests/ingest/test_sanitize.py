"""Wire HTML through the allow-list: story structure stays, nothing executable gets through."""

from __future__ import annotations

import pytest

from services.ingest.sanitize import clean_html, clean_story

KEPT = (
    "<p>Absatz mit <em>Betonung</em> und <strong>Nachdruck</strong>.</p>"
    "<h2>Zwischentitel</h2><h3>Unter</h3><h4>Unterunter</h4>"
    "<ul><li>eins</li></ul><ol><li>zwei</li></ol>"
    "<blockquote><p>„Zitat“</p></blockquote>"
    "<figure><figcaption>Bildtext</figcaption></figure>"
    '<p><a href="https://hnd.example/a">sicher</a> <a href="http://hnd.example/b">auch</a></p>'
)


def test_the_allowed_structure_is_kept_as_it_is():
    assert clean_html(KEPT) == KEPT


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ("<style>p{display:none}</style><p>a</p>", "<p>a</p>"),
        ('<p onclick="steal()" style="color:red" class="x">a</p>', "<p>a</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<svg onload="alert(1)"><circle/></svg>a', "a"),
        ('<iframe src="https://evil.example"></iframe>a', "a"),
        ('<a href="javascript:alert(1)">a</a>', "<a>a</a>"),
        ('<a href="  JaVaScRiPt:alert(1)">a</a>', "<a>a</a>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">a</a>', "<a>a</a>"),
        ('<a href="vbscript:x">a</a>', "<a>a</a>"),
        ('<a href="/relative">a</a>', "<a>a</a>"),
        ('<a href="//evil.example/x">a</a>', "<a>a</a>"),
        (
            '<a href="https://ok.example/" target="_blank" onmouseover="x()">a</a>',
            '<a href="https://ok.example/">a</a>',
        ),
        ("<h1>Titel</h1><h5>klein</h5><div><span>Text</span></div>", "TitelkleinText"),
        ("<p>a<!-- Kommentar --></p>", "<p>a</p>"),
        ("<p>Müller & Söhne</p>", "<p>Müller &amp; Söhne</p>"),
        ('<form action="https://evil.example"><input name="pw"></form>', ""),
    ],
    ids=lambda value: value[:40],
)
def test_what_is_not_allowed_is_removed(dirty, clean):
    assert clean_html(dirty) == clean


def test_bodies_and_descriptions_are_cleaned_and_plain_text_keeps_its_words():
    doc = {
        "uri": "urn:x",
        "bodies": [
            {"contenttype": "text/html", "value": "<p>a<script>x</script></p>"},
            {"contenttype": "text/plain", "value": "Müller & Söhne <3\n\nZweiter Absatz"},
            {"contenttype": "text/plain", "value": "Text<script>alert(1)</script> &lt;b&gt;"},
            {"value": "<p onclick='x'>ohne Typ</p>"},
        ],
        "descriptions": [{"contenttype": "text/html", "value": "<em>kurz</em><img src=x>"}],
    }

    cleaned = clean_story(doc)

    assert [b["value"] for b in cleaned["bodies"]] == [
        "<p>a</p>",
        "Müller & Söhne <3\n\nZweiter Absatz",
        "Text ",
        "<p>ohne Typ</p>",
    ]
    assert cleaned["descriptions"][0]["value"] == "<em>kurz</em>"
    assert doc["bodies"][0]["value"] == "<p>a<script>x</script></p>"  # the input is not changed


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<b>Schlagzeile</b> &amp; mehr", "Schlagzeile & mehr"),
        ("Müller & Söhne: 5 < 6", "Müller & Söhne: 5 < 6"),
        ('Titel<img src=x onerror="alert(1)">', "Titel"),
        ("Titel<script>alert(1)</script>", "Titel"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Titel", "Titel"),  # decoding reveals no tag
        ("&amp;lt;iframe src=x&amp;gt;Titel", "Titel"),
        ("&amp;amp;amp;amp;lt;script&amp;amp;amp;amp;gt;x", "&lt;script&gt;x"),  # kept encoded
    ],
    ids=lambda value: value[:40],
)
def test_a_headline_is_plain_text(dirty, clean):
    cleaned = clean_story({"uri": "urn:x", "headlines": [{"role": "main", "value": dirty}]})
    assert cleaned["headlines"][0]["value"] == clean


def test_only_web_links_stay_in_renditions_and_trust_indicators():
    hrefs = [
        "https://img.example/a.jpg",
        "http://img.example/b.jpg",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "file:///etc/passwd",
        "/relative.jpg",
    ]
    doc = {
        "uri": "urn:x",
        "renditions": [{"name": f"r{n}", "href": href} for n, href in enumerate(hrefs)],
        "trustindicators": [{"title": "t", "href": "javascript:alert(1)"}],
    }

    cleaned = clean_story(doc)

    kept = [r.get("href") for r in cleaned["renditions"]]
    assert kept == ["https://img.example/a.jpg", "http://img.example/b.jpg"] + [None] * 5
    assert [r["name"] for r in cleaned["renditions"]] == [f"r{n}" for n in range(7)]
    assert cleaned["trustindicators"] == [{"title": "t"}]


def test_associated_stories_are_cleaned_however_deep():
    hostile = '<p onclick="x()">Bild<script>alert(1)</script><iframe src="https://e.example">'
    inner = {
        "name": "inner",
        "uri": "urn:inner",
        "headlines": [{"value": "<i>Innen</i>"}],
        "bodies": [{"contenttype": "text/html", "value": hostile}],
        "renditions": [{"name": "r", "href": "javascript:alert(1)"}],
    }
    doc = {
        "uri": "urn:x",
        "associations": [
            {
                "name": "outer",
                "uri": "urn:outer",
                "descriptions": [{"contenttype": "text/html", "value": hostile}],
                "associations": [inner],
            }
        ],
    }

    [outer] = clean_story(doc)["associations"]

    assert outer["descriptions"][0]["value"] == "<p>Bild</p>"
    [cleaned_inner] = outer["associations"]
    assert cleaned_inner["bodies"][0]["value"] == "<p>Bild</p>"
    assert cleaned_inner["headlines"][0]["value"] == "Innen"
    assert cleaned_inner["renditions"] == [{"name": "r"}]
