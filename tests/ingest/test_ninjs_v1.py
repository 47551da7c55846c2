"""ninjs 1.x documents become valid ninjs 2.x."""

from __future__ import annotations

import json

from services.ingest.ninjs_v1 import is_v1, upgrade
from shared import ninjs
from tests.support.factories import FIXTURES, fixture_story

V1 = json.loads((FIXTURES / "ninjs-1x" / "de-kita-gebuehren.json").read_text())


def test_a_1x_document_is_recognised_and_a_2x_one_is_not():
    assert is_v1(V1)
    assert not is_v1(fixture_story())
    assert not is_v1({"uri": "urn:x"})
    assert not is_v1([1, 2])


def test_a_1x_document_upgrades_to_valid_2x():
    doc = upgrade(V1)

    assert ninjs.problems(doc) == []
    assert doc["headlines"] == [
        {"role": "main", "value": "Kiel schafft Kita-Gebühren für Geschwisterkinder ab"}
    ]
    assert doc["bodies"][0]["contenttype"] == "text/html"
    assert doc["bodies"][0]["value"] == V1["body_html"]
    assert doc["descriptions"] == [
        {"role": "summary", "contenttype": "text/plain", "value": V1["description_text"]}
    ]
    assert doc["by"] == "HND-Redaktion Kiel"
    assert doc["subjects"] == [
        {"name": "Bildung", "uri": "http://cv.iptc.org/newscodes/mediatopic/05000000"},
        {"name": "Familie", "literal": "fam"},
    ]
    assert doc["places"] == [{"name": "Kiel"}]
    assert doc["altids"] == [{"role": "hnd", "value": "HND-20231205-0042"}]
    [picture] = doc["associations"]
    assert picture["name"] == "featureimage"
    assert picture["headlines"][0]["value"] == "Kinder in einer Kieler Kita"
    assert picture["renditions"][0]["contenttype"] == "image/jpeg"
    assert "mimetype" not in doc


def test_html_and_text_bodies_both_survive():
    doc = upgrade({"uri": "urn:x", "body_html": "<p>a</p>", "body_text": "a"})

    assert [(b["role"], b["contenttype"]) for b in doc["bodies"]] == [
        ("main", "text/html"),
        ("alternative", "text/plain"),
    ]
