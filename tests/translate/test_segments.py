"""Segmenting keeps structure: blocks, inline markup in the right place, sentences joined back."""

from __future__ import annotations

import pytest

from services.translate import markup, segments
from services.translate.house_style import english_quotes
from tests.support.factories import fixture_story


def html_story(body: str, **fields) -> dict:
    return {
        "uri": "urn:test",
        "language": "de",
        "bodies": [{"contenttype": "text/html", "value": body}],
    } | fields


def rebuilt(doc: dict, translate) -> dict:
    units = segments.segment(doc).units
    return segments.rebuild(doc, [translate(unit.text) for unit in units], "en")


def test_headline_summary_and_each_body_block_are_blocks_in_order():
    blocks = segments.blocks_of(fixture_story("de-stadion.json"))

    assert [(b.field, b.path) for b in blocks] == [
        ("headlines[0]", ""),
        ("descriptions[0]", ""),
        ("bodies[0]", "p"),
        ("bodies[0]", "p"),
        ("bodies[0]", "h2"),
        ("bodies[0]", "ul/li"),
        ("bodies[0]", "ul/li"),
    ]
    assert blocks[3].hrefs == ["https://example.org/bauplan"]


def test_inline_markup_becomes_markers_and_the_href_never_reaches_the_engine():
    doc = html_story(
        '<p>Er schrieb auf <a href="https://x.com/a">X, vormals <em>Twitter</em></a>, mehr.</p>'
    )

    [unit] = segments.segment(doc).units

    assert unit.text == "Er schrieb auf <g1>X, vormals <g2>Twitter</g2></g1>, mehr."
    assert "x.com" not in unit.text


def test_a_link_moved_by_the_engine_keeps_its_href_where_the_engine_put_it():
    doc = html_story('<p>Laut <a href="https://ex.org/b">dem Bericht</a> steigt die Zahl.</p>')
    english = {
        "Laut <g1>dem Bericht</g1> steigt die Zahl.": "The number rises, <g1>the report</g1> says."
    }

    result = rebuilt(doc, english.__getitem__)

    assert result["bodies"][0]["value"] == (
        '<p>The number rises, <a href="https://ex.org/b">the report</a> says.</p>'
    )
    assert result["language"] == "en"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Er kam z. B. am 1. Oktober 2024 an. Dann ging er.", 2),
        ("Das Finale ist am 25. Mai um 20.45 Uhr. Gegner ist Nr. 1 der Liga.", 2),
        ("Im 19. Jahrhundert war das so. Am 2. Advent auch. Danach nicht.", 3),
        ("„Ich bleibe.“ Er sagte das. Dr. Müller kam um 9 Uhr.", 3),
    ],
)
def test_paragraphs_split_into_sentences_around_german_abbreviations_and_ordinals(text, sentences):
    units = segments.segment(html_story(f"<p>{text}</p>")).units

    assert len(units) == sentences
    assert " ".join(unit.text for unit in units) == text


def test_an_element_spanning_two_sentences_is_cut_for_the_engine_and_whole_again_after():
    doc = html_story("<p><em>Erster Satz hier. Zweiter Satz dort.</em> Ende.</p>")

    units = segments.segment(doc).units
    result = rebuilt(doc, lambda text: text.replace("Satz", "sentence"))

    assert [u.text for u in units] == [
        "<g1>Erster Satz hier.</g1>",
        "<g1>Zweiter Satz dort.</g1>",
        "Ende.",
    ]
    assert (
        result["bodies"][0]["value"]
        == "<p><em>Erster sentence hier. Zweiter sentence dort.</em> Ende.</p>"
    )


def test_structure_around_blocks_is_kept_exactly():
    body = (
        "<h3>Fragen</h3>\n<ol>\n<li><strong>Gilt das?</strong> Ja.</li>\n"
        "<li>Nein<br>doch</li>\n</ol>\n"
        "<blockquote><p>Zitat.</p></blockquote>\n<ul><li>Oben<ul><li>Innen</li></ul></li></ul>"
    )
    doc = html_story(body)

    result = rebuilt(doc, lambda text: text.upper())

    assert result["bodies"][0]["value"] == (
        "<h3>FRAGEN</h3>\n<ol>\n<li><strong>GILT DAS?</strong> JA.</li>\n"
        "<li>NEIN<br>DOCH</li>\n</ol>\n"
        "<blockquote><p>ZITAT.</p></blockquote>\n<ul><li>OBEN<ul><li>INNEN</li></ul></li></ul>"
    )


def test_markers_an_engine_mangles_are_repaired_not_trusted():
    doc = html_story('<p>Siehe <a href="https://ex.org">hier</a> und <em>dort</em>.</p>')

    result = rebuilt(doc, lambda text: "See < g1 >here</ g1> and <g2>there <g7>and</g9>.")

    assert result["bodies"][0]["value"] == (
        '<p>See <a href="https://ex.org">here</a> and <em>there and.</em></p>'
    )


def test_text_that_looks_like_markup_stays_text():
    doc = html_story("<p>Formel: a &lt; b &amp; c &gt; d</p>")

    [unit] = segments.segment(doc).units
    result = rebuilt(doc, lambda text: text)

    assert unit.text == "Formel: a &lt; b &amp; c &gt; d"
    assert result["bodies"][0]["value"] == "<p>Formel: a &lt; b &amp; c &gt; d</p>"


def test_rebuild_refuses_a_wrong_number_of_translations():
    with pytest.raises(ValueError, match="translations for"):
        segments.rebuild(fixture_story(), ["one"], "en")


def test_marker_balance_closes_what_an_engine_left_open():
    tokens = markup.parse("<g1>a <g2>b</g1> c", known={1, 2})

    assert markup.render(tokens) == "<g1>a <g2>b</g2></g1><g2> c</g2>"


@pytest.mark.parametrize(
    ("german", "english"),
    [
        ("Er sagte: „Ja“.", "Er sagte: “Ja”."),
        ("»Nein«, sagte sie, ‚vielleicht‘.", "“Nein”, sagte sie, ‘vielleicht’."),
        ("„Satz eins. Satz zwei.“", "“Satz eins. Satz zwei.”"),
        ("„offen", "“offen"),
        ("It's 5 o'clock", "It's 5 o'clock"),
    ],
)
def test_house_style_turns_german_quotation_marks_into_english_ones_and_nothing_else(
    german, english
):
    assert english_quotes(german) == english


def test_a_run_that_loses_its_markup_leaves_the_later_runs_of_its_parent_in_place():
    # Loose text around a paragraph: three runs in one parent. The first one's English drops
    # its two elements, so the children after it move up, and the later runs still land right.
    doc = html_story("Vor <b>eins</b> und <i>zwei</i>.<p>Mitte</p>Nach <b>drei</b> Ende.")

    def translate(text: str) -> str:
        if text.startswith("Vor"):
            return "Before one and two."
        return text.replace("Mitte", "Middle").replace("Nach", "After").replace("Ende", "end")

    assert rebuilt(doc, translate)["bodies"][0]["value"] == (
        "Before one and two.<p>Middle</p>After <b>drei</b> end."
    )


def test_a_body_without_text_is_left_exactly_as_it_came():
    doc = html_story("<figure><img src=a.jpg></figure>", headlines=[{"value": "Titel"}])

    assert rebuilt(doc, str.upper)["bodies"][0]["value"] == "<figure><img src=a.jpg></figure>"
