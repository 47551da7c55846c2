"""The story list and the story page, on live data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared.models import DeliveryState, StoryState, StoryVersion
from tests.support.dashboard import add_delivery, add_story, german_doc
from tests.support.factories import add_partner, add_source


def shown_headlines(page: str) -> list[str]:
    table = page.split('id="story-list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/stories/[0-9a-f-]+">([^<]*)</a>', table)


@pytest.fixture
def newsroom(db, clock):
    wire, agency = add_source(db, "wire"), add_source(db, "agency")
    start = clock.now - timedelta(days=3)
    stories = {}
    for number, (source, state) in enumerate(
        [
            (wire, StoryState.PUBLISHED),
            (agency, StoryState.PUBLISHED),
            (wire, StoryState.NEEDS_REVIEW),
            (agency, StoryState.AWAITING_ENGINE),
            (wire, StoryState.PUBLISHED),
        ]
    ):
        headline = f"Story {number} {source.name} {state.value}"
        stories[number] = add_story(
            db, source, headline, state=state, received=start + timedelta(hours=number * 12)
        )
    return stories


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [4, 3, 2, 1, 0]),
        ("state=published", [4, 1, 0]),
        ("state=needs_review", [2]),
        ("language=de", [4, 3, 2, 1, 0]),
        ("language=fr", []),
        ("q=AGENCY", [3, 1]),
        ("q=story+2", [2]),
    ],
)
def test_the_list_filters_and_searches(signed_in, newsroom, query, expected):
    page = signed_in.get(f"/stories?{query}").get_data(as_text=True)
    assert shown_headlines(page) == [newsroom[n].headline for n in expected]


def test_the_list_filters_by_source_and_day(signed_in, newsroom):
    source_id = newsroom[1].source_id
    page = signed_in.get(f"/stories?source={source_id}").get_data(as_text=True)
    assert shown_headlines(page) == [newsroom[3].headline, newsroom[1].headline]
    day = newsroom[2].created_at.date().isoformat()
    page = signed_in.get(f"/stories?from={day}&to={day}").get_data(as_text=True)
    assert set(shown_headlines(page)) <= {s.headline for s in newsroom.values()}
    assert newsroom[2].headline in shown_headlines(page)
    assert newsroom[0].headline not in shown_headlines(page)


def test_the_search_treats_like_wildcards_as_text(signed_in, newsroom):
    assert shown_headlines(signed_in.get("/stories?q=%25").get_data(as_text=True)) == []
    assert shown_headlines(signed_in.get("/stories?q=_").get_data(as_text=True)) != []


@pytest.mark.parametrize(
    "query", ["state=nonsense", "source=abc", "from=yesterday", "older=garbage"]
)
def test_bad_filters_get_a_clear_message(signed_in, newsroom, query):
    answer = signed_in.get(f"/stories?{query}")
    assert answer.status_code == 400
    assert 'class="flash error"' in answer.get_data(as_text=True)


def test_pages_walk_older_and_back_newer(signed_in, db, clock):
    source = add_source(db)
    start = clock.now - timedelta(hours=5)
    for number in range(120):
        add_story(db, source, f"Item {number:03}", received=start + timedelta(minutes=number))
    seen, path = [], "/stories"
    while path:
        page = signed_in.get(path).get_data(as_text=True)
        seen.append(shown_headlines(page))
        older = re.search(r'href="(/stories\?older=[^"]+)" rel="next"', page)
        path = older.group(1).replace("&amp;", "&") if older else None
    assert [len(chunk) for chunk in seen] == [50, 50, 20]
    flat = [h for chunk in seen for h in chunk]
    assert flat == [f"Item {n:03}" for n in range(119, -1, -1)]
    newer = re.search(r'href="(/stories\?newer=[^"]+)" rel="prev"', page).group(1)
    back = signed_in.get(newer.replace("&amp;", "&")).get_data(as_text=True)
    assert shown_headlines(back) == seen[1]


def test_a_pasted_story_id_uri_or_webhook_id_opens_the_story(signed_in, db):
    story = add_story(db, add_source(db), "Findable")
    delivery = add_delivery(db, story, add_partner(db))
    for text in (str(story.id), story.uri, delivery.webhook_id):
        answer = signed_in.get(f"/stories?q={text}")
        assert answer.status_code == 302
        assert answer.headers["Location"] == f"/stories/{story.id}"


def test_the_story_page_shows_german_and_english_block_by_block(signed_in, db):
    story = add_story(db, add_source(db), "Hafen meldet Rekord")
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    rows = re.findall(r'<tr id="block-(\d+)" class="block">(.*?)</tr>', page, re.S)
    assert [index for index, _ in rows] == ["0", "1", "2"]
    first, second = rows[0][1], rows[1][1]
    assert "headlines[0]" in first
    assert "Hafen meldet Rekord" in first and "EN: Hafen meldet Rekord" in first
    assert "bodies[0] block 1 (p)" in second
    assert "Der Hafen meldet einen Rekord." in second and "The port reports a record." in second


def test_the_story_page_shows_what_changed_between_versions(signed_in, db):
    story = add_story(db, add_source(db), "Erste Fassung")
    doc = german_doc(story.uri, "Zweite Fassung", version="2")
    doc["bodies"][0]["value"] = "<p>Der Hafen meldet einen Rekord.</p><p>Neu: 4,2 Prozent.</p>"
    doc["urgency"] = 2
    db.add(StoryVersion(story_id=story.id, version="2", kind="update", ninjs=doc))
    db.commit()
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    versions = page.split('id="versions"', 1)[1]
    assert '<span class="del">−' in versions and "Erste Fassung" in versions
    assert '<span class="add">+ Zweite Fassung</span>' in versions
    assert '<span class="add">+ Neu: 4,2 Prozent.</span>' in versions
    assert '<span class="del">− Die Zahlen steigen.</span>' in versions
    assert versions.index("Version 2") < versions.index("Version 1")
    assert "<li><strong>urgency</strong>: – → 2</li>" in versions


def test_the_story_page_shows_timeline_and_deliveries_with_attempts(signed_in, db):
    story = add_story(db, add_source(db), "Verteilt")
    add_delivery(db, story, add_partner(db, "fine"))
    failing = add_delivery(
        db, story, add_partner(db, "down"), DeliveryState.PENDING, error="HTTP 503", attempts=3
    )
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    timeline = page.split('id="timeline"', 1)[1]
    assert timeline.index("received") < timeline.index("translated")
    assert "2.0 s" in timeline  # translated two seconds after it was received
    row = page.split(f'id="delivery-{failing.id}"', 1)[1].split("</tr>", 1)[0]
    assert "down" in row and "HTTP 503" in row and ">3<" in row
    assert f"/deliveries/{failing.id}/resend" in row
    assert "3 attempts" in page


def test_a_pasted_uri_two_sources_sent_lists_both_stories(signed_in, db):
    uri = "https://example.com/meldung/1"
    add_story(db, add_source(db, "wire"), "Vom Draht", uri=uri)
    add_story(db, add_source(db, "agency"), "Von der Agentur", uri=uri)

    answer = signed_in.get(f"/stories?q={uri}")

    assert answer.status_code == 200
    assert sorted(shown_headlines(answer.get_data(as_text=True))) == [
        "Vom Draht",
        "Von der Agentur",
    ]


def test_the_story_page_names_the_source_of_each_version(signed_in, db):
    story = add_story(db, add_source(db, "agency"), "Hafen meldet Rekord")

    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)

    heading = re.search(r"<h3>Version 1 · [^<]*</h3>", page).group(0)
    assert heading.endswith(" from agency</h3>")
