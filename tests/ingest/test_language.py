"""The language check: the wire's word only when the detector agrees."""

from __future__ import annotations

import pytest

from services.ingest.language import check

GERMAN = "Das Rathaus bleibt am Montag geschlossen, weil der Ratssaal renoviert wird."
ENGLISH = "The town hall stays closed on Monday while the council chamber is renovated."
FRENCH = "La mairie reste fermée lundi pendant la rénovation de la salle du conseil municipal."


def story(text: str, language: str | None) -> dict:
    doc = {"uri": "urn:x", "bodies": [{"contenttype": "text/html", "value": f"<p>{text}</p>"}]}
    return doc | ({"language": language} if language else {})


@pytest.mark.parametrize(
    ("text", "wire", "default", "expected", "says"),
    [
        (GERMAN, "de", None, "de", "agree"),
        (GERMAN, "de-DE", None, "de", "agree"),
        (ENGLISH, "en", None, "en", "agree"),
        (ENGLISH, "de", None, "en", "the wire says de, the text is en"),
        (GERMAN, None, None, "de", "the wire gives no language"),
        (GERMAN, None, "de", "de", "agree"),
        (FRENCH, "fr", None, "fr", "agree"),
        ("Kurz.", "de", None, "de", "too little text"),
        ("Kurz.", None, None, None, "no language given"),
    ],
)
def test_the_language_is_decided_and_explained(text, wire, default, expected, says):
    checked = check(story(text, wire), default)

    assert checked.language == expected
    assert says in checked.explanation
    assert checked.handled == (expected in ("de", "en"))


def test_an_unsure_detector_that_disagrees_leaves_the_language_unknown():
    # Mixed, short text: the detector guesses, and a guess does not overrule the wire.
    checked = check(story("Hafen Port Havn Haven Puerto Hamn Satama", "de"), None)

    assert checked.language is None
    assert checked.explanation.startswith("language unclear: the wire says de")
