"""The story page shows a story's pictures with German and English captions, and a reviewer
edits a caption like any sentence (it is a segment)."""

from __future__ import annotations

import pytest
from lxml import html
from sqlalchemy import select

from services.translate import pipeline
from shared.config import get_settings
from shared.models import Story, Translation
from tests.support.dashboard import HURRIED_ENGINE
from tests.support.factories import add_source, fixture_story
from tests.support.pictures import CAPTION, picture_association, png_bytes, store_picture_story

ENGLISH_CAPTION = "Bremen's town hall on Sunday morning."


@pytest.fixture
def held_with_picture(db, monkeypatch):
    """tests/fixtures/de-stadion.json with a photo, held by the QA gate (a lost number)."""
    monkeypatch.setenv("SYNDIKAT_ENGINE", HURRIED_ENGINE)
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    add_source(db)
    data = png_bytes(40, 30, seed=3)
    doc = fixture_story("de-stadion.json", associations={"photo": picture_association(data)})
    version_id = store_picture_story(db, doc)
    assert pipeline.translate_version(version_id) == "needs review"
    yield db.scalars(select(Story).where(Story.current_version_id == version_id)).one(), data
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()


def test_the_story_page_shows_the_picture_with_german_and_english_captions(
    signed_in, held_with_picture
):
    story, data = held_with_picture

    page = html.fromstring(signed_in.get(f"/stories/{story.id}").get_data(as_text=True))

    [figure] = page.xpath('//section[@id="pictures"]//figure')
    [image] = figure.xpath(".//img")
    assert image.get("alt") == "The town hall with scaffolding"
    shown = signed_in.get(image.get("src"))
    assert (shown.status_code, shown.mimetype, shown.data) == (200, "image/png", data)
    rows = {
        row.xpath("td")[0].text_content(): [td.text_content() for td in row.xpath("td")[1:]]
        for row in figure.xpath('.//tr[@class="picture-text"]')
    }
    assert rows["caption"] == [CAPTION, ENGLISH_CAPTION]
    assert rows["credit"] == ["Foto: Sina Schuldt/dpa", "Photo: Sina Schuldt/dpa"]
    assert rows["alt text"] == ["Das Rathaus mit einem Gerüst", "The town hall with scaffolding"]


def test_a_picture_is_only_for_signed_in_users(client, held_with_picture):
    story, _ = held_with_picture

    answer = client.get(f"/media/{_sha(story)}")

    assert answer.status_code in (302, 401, 403)
    assert b"PNG" not in answer.data


def test_a_reviewer_edits_a_caption_like_any_sentence(post, signed_in, db, held_with_picture):
    story, _ = held_with_picture
    translation = _translation(db, story)
    caption = [unit["source"] for unit in translation.segments].index(CAPTION)
    page = signed_in.get(f"/stories/{story.id}").get_data(as_text=True)
    assert f'/review/{story.id}/segments/{caption}"' in page  # an edit box under the caption

    post(
        f"/review/{story.id}/segments/{caption}",
        english="The town hall in Bremen on a Sunday morning.",
        then="save",
    )

    english = _translation(db, story).ninjs["associations"]["photo"]
    assert english["body_text"] == "The town hall in Bremen on a Sunday morning."
    assert english["x-syndikat-credit"] == "Photo: Sina Schuldt/dpa"


def _translation(db, story: Story) -> Translation:
    db.expire_all()
    version_id = db.get(Story, story.id).current_version_id
    return db.scalars(select(Translation).where(Translation.story_version_id == version_id)).one()


def _sha(story: Story) -> str:
    return story.current_version.ninjs["associations"]["photo"]["x-syndikat-media"]["sha256"]
