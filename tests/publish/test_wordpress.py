"""WordPress delivery against a real WordPress on loopback (tests/support/wordpress.py).

Posts are checked through the REST API as the site's administrator, not through our own code.
The tests that need no WordPress (answers a WordPress would never give, the CLI) use the local
receiver and run everywhere.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import lxml.html
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from services.cli import main as syndikat
from services.ingest.intake import take_story
from services.publish import delivery, fanout
from services.publish.methods import Outgoing, method_for
from services.publish.methods.wordpress import post_content, post_slug
from services.publish.methods.wordpress_api import rest_url
from services.translate import pipeline
from shared import http
from shared.models import Delivery, DeliveryEvent, Partner, Source, Story, utcnow
from tests.conftest import CLOCK_START
from tests.support import wordpress
from tests.support.factories import add_partner, add_source, fixture_story
from tests.support.lossy_proxy import LosesFirstPostAnswer

# The first test may install WordPress with apt-get.
pytestmark = pytest.mark.timeout(900)

WORDPRESS = method_for("wordpress")


def english_story(**changes: Any) -> dict[str, Any]:
    story = {
        "uri": f"urn:syndikat:test:{uuid.uuid4().hex}",
        "type": "text",
        "version": "1",
        "pubstatus": "usable",
        "language": "en",
        "headlines": [{"role": "main", "value": "City library extends its opening hours"}],
        "descriptions": [{"role": "summary", "value": "Open until 10 p.m. from next week."}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "<p>The city library will stay open until 10 p.m.</p>",
            }
        ],
        "subjects": [{"name": "Culture"}, {"name": "Local news"}],
        "places": [{"name": "Hamburg"}],
        "organisations": [{"name": "City Library"}],
        "by": "HND Kulturredaktion",
        "copyrightnotice": "Source: Stern",
    }
    return story | changes


def outgoing(
    story: dict[str, Any],
    endpoint: str,
    credentials: dict[str, Any],
    event: DeliveryEvent = DeliveryEvent.PUBLISHED,
    remote_id: str | None = None,
) -> Outgoing:
    return Outgoing(
        story_id=story_id_of(story),
        event=event,
        webhook_id=f"msg_{uuid.uuid4().hex}",
        occurred_at=utcnow(),
        endpoint=endpoint,
        secret=None,
        credentials=credentials,
        story=story,
        remote_id=remote_id,
    )


def story_id_of(story: dict[str, Any]) -> str:
    """Syndikat's id for the story these tests send: one per uri, as the database keeps it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, story["uri"]))


def slug_of(story: dict[str, Any]) -> str:
    return post_slug(story_id_of(story))


def editor_login(site: wordpress.Site, **extra: Any) -> dict[str, Any]:
    return {"user": site.editor.login, "app_password": site.editor.app_password, **extra}


def post_as_admin_sees_it(admin: httpx.Client, post_id: str) -> dict[str, Any]:
    answer = admin.get(f"wp/v2/posts/{post_id}", params={"context": "edit"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def term_names(admin: httpx.Client, taxonomy: str, ids: list[int]) -> set[str]:
    if not ids:
        return set()
    include = ",".join(str(term_id) for term_id in ids)
    return {t["name"] for t in admin.get(f"wp/v2/{taxonomy}", params={"include": include}).json()}


def posts_with_slug(admin: httpx.Client, slug: str) -> list[int]:
    params = {"slug": f"{slug},{slug}__trashed", "status": "any,trash", "context": "edit"}
    return [post["id"] for post in admin.get("wp/v2/posts", params=params).json()]


ENDPOINT_FORMS = {
    "wp-json": "{url}/wp-json/",
    "rest_route": "{url}/?rest_route=/",
    "site address": "{url}",
}


@pytest.mark.parametrize("form", ENDPOINT_FORMS)
def test_a_published_story_becomes_a_post_with_terms_by_name_and_the_attribution_below(
    site, admin, form
):
    story = english_story()
    endpoint = ENDPOINT_FORMS[form].format(url=site.url)

    outcome = WORDPRESS.send(outgoing(story, endpoint, editor_login(site)))

    assert outcome.ok, outcome.error
    post = post_as_admin_sees_it(admin, outcome.remote_id)
    assert post["status"] == "publish"
    assert post["title"]["raw"] == "City library extends its opening hours"
    assert post["excerpt"]["raw"] == "Open until 10 p.m. from next week."
    assert post["content"]["raw"] == (
        '<p class="syndikat-byline">By HND Kulturredaktion</p>\n'
        "<p>The city library will stay open until 10 p.m.</p>\n"
        '<p class="syndikat-attribution">Source: Stern</p>'
    )
    assert post["author"] == site.editor.id  # no author_id: the wire's byline is in the content
    assert term_names(admin, "categories", post["categories"]) == {"Culture", "Local news"}
    assert term_names(admin, "tags", post["tags"]) == {"Hamburg", "City Library"}
    assert post["slug"] == slug_of(story) == f"syndikat-{uuid.UUID(story_id_of(story)).hex}"


def test_the_headline_is_the_posts_title_as_text_never_as_markup(site, admin):
    headline = "Rates <b>rise</b> & fall <script>alert(1)</script><img src=x onerror=alert(1)>"
    story = english_story(headlines=[{"role": "main", "value": headline}])

    outcome = WORDPRESS.send(outgoing(story, f"{site.url}/wp-json/", editor_login(site)))

    assert outcome.ok, outcome.error
    title = post_as_admin_sees_it(admin, outcome.remote_id)["title"]
    assert "<" not in title["raw"] and "<" not in title["rendered"]
    assert lxml.html.fragment_fromstring(title["rendered"], create_parent="h1").text_content() == (
        headline
    )


def test_with_an_author_id_the_post_carries_the_partners_own_byline(site, admin):
    credentials = editor_login(site, author_id=site.byline.id)

    outcome = WORDPRESS.send(outgoing(english_story(), f"{site.url}/wp-json/", credentials))

    assert outcome.ok, outcome.error
    post = post_as_admin_sees_it(admin, outcome.remote_id)
    assert post["author"] == site.byline.id
    assert "HND Kulturredaktion" not in post["content"]["raw"]
    assert post["content"]["raw"].endswith('<p class="syndikat-attribution">Source: Stern</p>')


def test_existing_terms_are_reused_whatever_their_case_and_escaping(site, admin):
    created = admin.post("wp/v2/categories", json={"name": "Arts & Culture"})
    assert created.status_code == 201, created.text
    story = english_story(subjects=[{"name": "arts & culture"}])

    outcome = WORDPRESS.send(outgoing(story, f"{site.url}/wp-json/", editor_login(site)))

    assert outcome.ok, outcome.error
    assert post_as_admin_sees_it(admin, outcome.remote_id)["categories"] == [created.json()["id"]]


def test_an_update_edits_the_same_post(site, admin):
    endpoint = f"{site.url}/wp-json/"
    story = english_story()
    first = WORDPRESS.send(outgoing(story, endpoint, editor_login(site)))
    assert first.ok, first.error
    corrected = story | {
        "version": "2",
        "headlines": [{"role": "main", "value": "City library extends its hours again"}],
        "bodies": [{"contenttype": "text/html", "value": "<p>Open until 11 p.m.</p>"}],
        "subjects": [{"name": "Culture"}, {"name": "Education"}],
    }

    second = WORDPRESS.send(
        outgoing(corrected, endpoint, editor_login(site), DeliveryEvent.UPDATED, first.remote_id)
    )

    assert second.ok, second.error
    assert second.remote_id == first.remote_id
    post = post_as_admin_sees_it(admin, first.remote_id)
    assert post["title"]["raw"] == "City library extends its hours again"
    assert "<p>Open until 11 p.m.</p>" in post["content"]["raw"]
    assert "10 p.m." not in post["content"]["raw"]
    assert term_names(admin, "categories", post["categories"]) == {"Culture", "Education"}
    assert posts_with_slug(admin, slug_of(story)) == [int(first.remote_id)]


def test_a_kill_moves_the_post_to_the_trash_and_a_repeated_kill_still_succeeds(site, admin):
    endpoint = f"{site.url}/?rest_route=/"
    published = WORDPRESS.send(outgoing(english_story(), endpoint, editor_login(site)))
    assert published.ok, published.error
    kill = {"uri": "urn:any", "version": "2", "pubstatus": "canceled"}

    killed = WORDPRESS.send(
        outgoing(kill, endpoint, editor_login(site), DeliveryEvent.KILLED, published.remote_id)
    )
    again = WORDPRESS.send(
        outgoing(kill, endpoint, editor_login(site), DeliveryEvent.KILLED, published.remote_id)
    )

    assert (killed.ok, killed.remote_id) == (True, published.remote_id)
    assert post_as_admin_sees_it(admin, published.remote_id)["status"] == "trash"
    assert again.ok, again.error  # WordPress answers 410: it must not read as "endpoint gone"
    assert again.status_code == 200


class LosesTheFirstPostAnswer(httpx.HTTPTransport):
    """WordPress creates the post, but its answer never reaches us."""

    def __init__(self) -> None:
        super().__init__()
        self.lost: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        creates_post = request.method == "POST" and request.url.path.endswith("/wp/v2/posts")
        if creates_post and not self.lost:
            response.read()
            response.close()
            self.lost.append(str(request.url))
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_retry_after_a_lost_answer_finds_the_post_instead_of_posting_twice(
    site, admin, monkeypatch
):
    transport = LosesTheFirstPostAnswer()
    monkeypatch.setattr(http, "client", lambda timeout=None: httpx.Client(transport=transport))
    story = english_story()
    delivery_attempt = outgoing(story, f"{site.url}/wp-json/", editor_login(site))

    first = WORDPRESS.send(delivery_attempt)
    retry = WORDPRESS.send(delivery_attempt)

    assert transport.lost, "the test did not lose an answer"
    assert (first.ok, first.error) == (False, "timed out")
    assert retry.ok, retry.error
    assert posts_with_slug(admin, slug_of(story)) == [int(retry.remote_id)]


def test_a_wrong_application_password_is_a_clear_credential_failure(site, admin):
    story = english_story()
    credentials = {"user": site.editor.login, "app_password": "abcd efgh ijkl mnop qrst uvwx"}

    outcome = WORDPRESS.send(outgoing(story, f"{site.url}/wp-json/", credentials))

    assert not outcome.ok
    assert outcome.status_code == 401
    assert "refused user 'syndikat' with this application password" in outcome.error
    assert posts_with_slug(admin, slug_of(story)) == []


def test_a_user_who_may_not_create_terms_still_gets_the_story_posted(site, admin):
    assert admin.post("wp/v2/categories", json={"name": "Weather"}).status_code in (201, 400)
    new_section = f"Section {uuid.uuid4().hex}"
    subjects = [{"name": "Weather"}, {"name": new_section}]
    story = english_story(subjects=subjects, places=[], organisations=[])
    author = {"user": site.writer.login, "app_password": site.writer.app_password}

    outcome = WORDPRESS.send(outgoing(story, f"{site.url}/wp-json/", author))

    assert outcome.ok, outcome.error
    assert new_section in outcome.extra["terms_not_created"]
    post = post_as_admin_sees_it(admin, outcome.remote_id)
    assert term_names(admin, "categories", post["categories"]) == {"Weather"}


def test_an_update_of_a_post_deleted_on_the_site_says_so(site, admin):
    endpoint = f"{site.url}/wp-json/"
    published = WORDPRESS.send(outgoing(english_story(), endpoint, editor_login(site)))
    deleted = admin.delete(f"wp/v2/posts/{published.remote_id}", params={"force": "true"})
    assert deleted.status_code == 200, deleted.text

    outcome = WORDPRESS.send(
        outgoing(
            english_story(),
            endpoint,
            editor_login(site),
            DeliveryEvent.UPDATED,
            published.remote_id,
        )
    )

    assert outcome.status_code == 404
    assert outcome.error == (
        f"WordPress post {published.remote_id} no longer exists; the update was not applied"
    )


def ingest(db: Any, doc: dict[str, Any]) -> int:
    """Take a story in and render it into English, as the pipeline does; its version id."""
    intake = take_story(db, db.scalars(select(Source)).one(), doc, via="test")
    db.commit()
    version_id = db.get_one(Story, intake.story_id).current_version_id
    pipeline.translate_version(version_id)
    return version_id


def deliver(db: Any, version_id: int, expected: str = "delivered") -> Delivery:
    """Fan the version out and make the delivery's first attempt; the delivery as stored."""
    assert fanout.fan_out(db, version_id) == 1
    db.commit()
    query = select(Delivery).where(Delivery.story_version_id == version_id)
    assert delivery.attempt(db.scalars(query).one().id) == expected
    return db.scalars(query).one()


def test_a_story_its_update_and_its_kill_reach_the_same_post_through_the_pipeline(db, site, admin):
    add_source(db, attribution="Source: Stern")
    credentials = editor_login(site, author_id=site.byline.id)
    add_partner(
        db,
        "24hw",
        endpoint=f"{site.url}/wp-json/",
        method="wordpress",
        credentials=json.dumps(credentials),
    )
    doc = english_story()
    del doc["copyrightnotice"]  # the source's attribution is applied on the way out

    published = deliver(db, ingest(db, doc))
    post = post_as_admin_sees_it(admin, published.remote_id)
    assert (published.event, post["author"], post["status"]) == (
        "story.published",
        site.byline.id,
        "publish",
    )
    assert post["content"]["raw"].endswith('<p class="syndikat-attribution">Source: Stern</p>')

    headline = [{"role": "main", "value": "City library opens on Sundays too"}]
    updated = deliver(db, ingest(db, doc | {"version": "2", "headlines": headline}))
    assert (updated.event, updated.remote_id) == ("story.updated", published.remote_id)
    post = post_as_admin_sees_it(admin, published.remote_id)
    assert post["title"]["raw"] == "City library opens on Sundays too"

    killed = deliver(db, ingest(db, doc | {"version": "3", "pubstatus": "canceled"}))
    assert (killed.event, killed.remote_id) == ("story.killed", published.remote_id)
    assert post_as_admin_sees_it(admin, published.remote_id)["status"] == "trash"
    assert posts_with_slug(admin, post_slug(str(published.story_id))) == [int(published.remote_id)]


@pytest.fixture
def lossy_partner(db: Any, site: wordpress.Site) -> Iterator[LosesFirstPostAnswer]:
    """A WordPress partner reached through a proxy that loses the first post creation's answer."""
    add_source(db, attribution="Source: Stern")
    with LosesFirstPostAnswer(site.url) as proxy:
        add_partner(
            db,
            "24hw",
            endpoint=f"{proxy.base_url}/wp-json/",
            method="wordpress",
            credentials=json.dumps(editor_login(site)),
        )
        yield proxy


def story_with_token(token: str) -> dict[str, Any]:
    """A story whose headline carries `token`, to find every post made of it by search."""
    doc = english_story(headlines=[{"role": "main", "value": f"Library {token} opens late"}])
    del doc["copyrightnotice"]
    return doc


def posts_mentioning(admin: httpx.Client, token: str) -> list[dict[str, Any]]:
    params = {"search": token, "status": "any,trash", "context": "edit"}
    answer = admin.get("wp/v2/posts", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_kill_after_a_lost_creation_answer_trashes_the_post(db, site, admin, lossy_partner):
    token = uuid.uuid4().hex
    doc = story_with_token(token)
    published = deliver(db, ingest(db, doc), "retrying")
    assert lossy_partner.lost, "the proxy lost no answer"
    [made] = posts_mentioning(admin, token)
    assert (made["status"], published.remote_id) == ("publish", None)

    killed = deliver(db, ingest(db, doc | {"version": "2", "pubstatus": "canceled"}))

    assert (killed.event, killed.remote_id) == ("story.killed", str(made["id"]))
    assert db.get_one(Delivery, published.id).state == "canceled"
    [post] = posts_mentioning(admin, token)
    assert (post["id"], post["status"]) == (made["id"], "trash")


def test_an_update_after_a_lost_creation_answer_corrects_the_one_post(
    db, site, admin, lossy_partner
):
    token = uuid.uuid4().hex
    doc = story_with_token(token)
    deliver(db, ingest(db, doc), "retrying")
    [made] = posts_mentioning(admin, token)
    headline = [{"role": "main", "value": f"Library {token} now opens on Sundays"}]

    updated = deliver(db, ingest(db, doc | {"version": "2", "headlines": headline}))

    assert (updated.event, updated.remote_id) == ("story.updated", str(made["id"]))
    [post] = posts_mentioning(admin, token)
    assert (post["id"], post["status"]) == (made["id"], "publish")
    assert post["title"]["raw"] == f"Library {token} now opens on Sundays"
    assert post["slug"] == post_slug(str(updated.story_id))


def test_a_kill_of_a_story_never_posted_is_done_once_the_lookup_finds_nothing(site, admin):
    kill = {"uri": f"urn:syndikat:test:{uuid.uuid4().hex}", "version": "2", "pubstatus": "canceled"}

    outcome = WORDPRESS.send(
        outgoing(kill, f"{site.url}/wp-json/", editor_login(site), DeliveryEvent.KILLED)
    )

    assert (outcome.ok, outcome.remote_id) == (True, None)
    assert outcome.extra == {"no_post_with_slug": slug_of(kill)}


@pytest.mark.parametrize("status", ["draft", "pending", "private", "future", "trash"])
def test_a_post_already_carrying_the_storys_slug_is_adopted_whatever_its_status(
    site, admin, status
):
    story = english_story()
    fields = {"title": "Made before its answer was lost", "slug": slug_of(story)}
    if status == "future":
        fields["date_gmt"] = "2099-01-01T00:00:00"
    made = admin.post(
        "wp/v2/posts", json=fields | {"status": "draft" if status == "trash" else status}
    )
    assert made.status_code == 201, made.text
    if status == "trash":  # a post reaches the trash only by being deleted
        assert admin.delete(f"wp/v2/posts/{made.json()['id']}").status_code == 200

    outcome = WORDPRESS.send(outgoing(story, f"{site.url}/wp-json/", editor_login(site)))

    assert (outcome.ok, outcome.remote_id) == (True, str(made.json()["id"])), outcome.error
    post = post_as_admin_sees_it(admin, outcome.remote_id)
    assert (post["title"]["raw"], post["status"]) == (
        "City library extends its opening hours",
        status,  # the site's editors decide whether it shows
    )
    assert posts_with_slug(admin, slug_of(story)) == [made.json()["id"]]


def test_a_kill_with_no_recorded_post_trashes_the_post_carrying_the_storys_slug(site, admin):
    endpoint = f"{site.url}/wp-json/"
    story = english_story()
    published = WORDPRESS.send(outgoing(story, endpoint, editor_login(site)))
    kill = {"uri": story["uri"], "version": "2", "pubstatus": "canceled"}

    killed = WORDPRESS.send(outgoing(kill, endpoint, editor_login(site), DeliveryEvent.KILLED))
    again = WORDPRESS.send(outgoing(kill, endpoint, editor_login(site), DeliveryEvent.KILLED))

    assert (killed.ok, killed.remote_id) == (True, published.remote_id), killed.error
    assert post_as_admin_sees_it(admin, published.remote_id)["status"] == "trash"
    assert (again.ok, again.remote_id) == (True, published.remote_id), again.error


def test_a_german_storys_post_is_signed_in_english(db, site, admin):
    add_source(db)
    credentials = json.dumps(editor_login(site))
    add_partner(
        db, "24hw", endpoint=f"{site.url}/wp-json/", method="wordpress", credentials=credentials
    )
    doc = fixture_story(
        "de-rathaus.json", by="Von Christian Hollmann und Eva Roth, dpa-Korrespondenten"
    )

    published = deliver(db, ingest(db, doc))

    content = post_as_admin_sees_it(admin, published.remote_id)["content"]["raw"]
    assert content.startswith(
        '<p class="syndikat-byline">By Christian Hollmann and Eva Roth, dpa correspondents</p>\n'
    )


@pytest.mark.parametrize("by", ["By Jane Doe, AP", "by Jane Doe, AP", "  BY  Jane Doe, AP "])
def test_a_byline_with_its_own_by_is_not_signed_by_by(by):
    content = post_content({"by": by, "bodies": []}, with_byline=True)

    assert content == '<p class="syndikat-byline">By Jane Doe, AP</p>'


def test_a_partner_that_honours_embargoes_gets_a_post_scheduled_for_the_embargo(
    db, site, admin, clock
):
    add_source(db, attribution="Source: Stern")
    add_partner(
        db,
        "24hw",
        endpoint=f"{site.url}/wp-json/",
        method="wordpress",
        credentials=json.dumps(editor_login(site)),
        honours_embargoes=True,
    )
    embargo = clock.now + timedelta(hours=2)
    doc = english_story(embargoed=embargo.isoformat())

    published = deliver(db, ingest(db, doc))  # at once, before the embargo

    post = post_as_admin_sees_it(admin, published.remote_id)
    assert (post["status"], post["date_gmt"]) == ("future", f"{embargo:%Y-%m-%dT%H:%M:%S}")


def test_partners_add_wordpress_stores_the_app_password_encrypted_and_never_prints_it(db, site):
    app_password = site.editor.app_password
    added = CliRunner().invoke(
        syndikat,
        [
            "partners",
            "add-wordpress",
            "24hw",
            "--wordpress",
            site.rest_url,
            "--user",
            site.editor.login,
            "--author-id",
            "7",
        ],
        input=f"{app_password}\n",  # asked for, not on the command line
    )
    listed = CliRunner().invoke(syndikat, ["partners", "list"])

    assert added.exit_code == 0, added.output
    partner = db.scalars(select(Partner)).one()
    assert (partner.method, partner.endpoint) == ("wordpress", site.rest_url)
    assert partner.credentials_dict() == {
        "user": site.editor.login,
        "app_password": app_password,
        "author_id": 7,
    }
    stored = db.execute(text("SELECT credentials FROM partners")).scalar_one()
    assert app_password not in stored
    assert f"24hw\twordpress\t{site.rest_url}\tenabled" in listed.output
    assert app_password not in added.output + listed.output


# --- answers no real WordPress gives on purpose: a scripted transport stands in --------------


class ScriptedSite:
    """Answers requests in turn from a script, and records them."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedSite:
    site = ScriptedSite()
    transport = httpx.MockTransport(site)
    monkeypatch.setattr(http, "client", lambda timeout=None: httpx.Client(transport=transport))
    return site


FAKE_SITE = "https://partner.example/wp-json/"
SOME_LOGIN = {"user": "u", "app_password": "p"}


def test_a_kill_with_no_recorded_post_looks_it_up_and_is_retried_if_it_cannot(scripted):
    kill = {"uri": "urn:any", "version": "2", "pubstatus": "canceled"}
    scripted.answers.append(httpx.Response(503, text="<html>maintenance</html>"))

    outcome = WORDPRESS.send(outgoing(kill, FAKE_SITE, SOME_LOGIN, DeliveryEvent.KILLED))

    [lookup] = scripted.requests
    assert (lookup.method, lookup.url.params["slug"]) == (
        "GET",
        f"{slug_of(kill)},{slug_of(kill)}__trashed",
    )
    assert (outcome.ok, outcome.status_code) == (False, 503)


def test_a_delivery_without_a_story_id_finds_no_post_and_says_so(scripted):
    kill = {"uri": "urn:any", "version": "2", "pubstatus": "canceled"}
    nameless = replace(outgoing(kill, FAKE_SITE, SOME_LOGIN, DeliveryEvent.KILLED), story_id="")

    outcome = WORDPRESS.send(nameless)

    assert (outcome.ok, outcome.error) == (False, "no story id to find its post by: ''")
    assert scripted.requests == []


def test_an_update_that_lifts_the_embargo_publishes_the_scheduled_post(scripted, clock):
    scripted.answers += [
        httpx.Response(200, json={"id": 7, "status": "future"}),
        httpx.Response(200, json={"id": 7, "status": "publish"}),
    ]
    story = english_story(subjects=[], places=[], organisations=[])
    update = outgoing(story, FAKE_SITE, SOME_LOGIN, DeliveryEvent.UPDATED, remote_id="7")

    outcome = WORDPRESS.send(dataclasses.replace(update, honours_embargoes=True))

    assert outcome.ok, outcome.error
    corrected, published = (json.loads(r.content) for r in scripted.requests)
    assert "status" not in corrected  # a correction alone leaves the post's status be
    assert published == {"status": "publish", "date_gmt": f"{CLOCK_START:%Y-%m-%dT%H:%M:%S}"}


TEN_MINUTES_AFTER_START = format_datetime(CLOCK_START + timedelta(minutes=10), usegmt=True)


@pytest.mark.parametrize(
    ("answer", "status", "error", "retry_after"),
    [
        (
            httpx.Response(
                429,
                json={"code": "too_many", "message": "Slow down"},
                headers={"Retry-After": "120"},
            ),
            429,
            "HTTP 429: Slow down (too_many)",
            120.0,
        ),
        (
            httpx.Response(503, text="busy", headers={"Retry-After": TEN_MINUTES_AFTER_START}),
            503,
            "HTTP 503: busy",
            600.0,  # an HTTP date is counted from the clock
        ),
        (httpx.Response(503, text="<html>maintenance</html>"), 503, "HTTP 503: <html>", None),
        (httpx.Response(200, text="<html>not json</html>"), None, "HTTP 200 but not JSON", None),
        (httpx.Response(201, json={"unexpected": True}), None, "WordPress answered without", None),
    ],
)
def test_answers_that_are_not_a_post_are_failures_with_a_reason(
    scripted, answer, status, error, retry_after, clock
):
    no_post_yet = httpx.Response(200, json=[])
    scripted.answers += [no_post_yet, answer]
    story = english_story(subjects=[], places=[], organisations=[])

    outcome = WORDPRESS.send(outgoing(story, FAKE_SITE, SOME_LOGIN))

    assert [r.method for r in scripted.requests] == ["GET", "POST"]
    assert not outcome.ok
    assert outcome.status_code == status
    assert outcome.error.startswith(error)
    assert outcome.retry_after == retry_after


def test_an_author_id_that_is_not_a_user_id_is_refused_before_any_request(scripted):
    credentials = SOME_LOGIN | {"author_id": "Jane"}

    outcome = WORDPRESS.send(outgoing(english_story(), FAKE_SITE, credentials))

    assert (outcome.ok, outcome.error) == (False, "author_id 'Jane' is not a WordPress user id")
    assert scripted.requests == []


def test_a_partner_without_credentials_is_refused_before_any_request(scripted):
    outcome = WORDPRESS.send(outgoing(english_story(), FAKE_SITE, {}))

    assert (outcome.ok, outcome.error) == (
        False,
        "the partner has no WordPress address, user or app_password",
    )
    assert scripted.requests == []


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("https://s.example/wp-json/", "https://s.example/wp-json/wp/v2/posts/7"),
        ("https://s.example/news/wp-json/wp/v2", "https://s.example/news/wp-json/wp/v2/posts/7"),
        ("https://s.example/?rest_route=/", "https://s.example/?rest_route=%2Fwp%2Fv2%2Fposts%2F7"),
        ("https://s.example/news", "https://s.example/news/?rest_route=%2Fwp%2Fv2%2Fposts%2F7"),
    ],
)
def test_every_form_of_endpoint_reaches_the_rest_api(endpoint, expected):
    assert str(rest_url(endpoint, "/wp/v2/posts/7")) == expected


def test_a_test_delivery_checks_the_login_and_posts_nothing(site, admin):
    before = admin.get("wp/v2/posts", params={"status": "any", "context": "edit"}).json()
    good = outgoing(english_story(), f"{site.url}/wp-json/", editor_login(site), "syndikat.test")
    wrong = {"user": site.editor.login, "app_password": "abcd efgh ijkl mnop qrst uvwx"}
    bad = outgoing(english_story(), f"{site.url}/wp-json/", wrong, "syndikat.test")

    passed, refused = WORDPRESS.test(good), WORDPRESS.test(bad)

    assert passed.ok and passed.extra["signed_in_as"] == site.editor.login
    assert refused.status_code == 401
    assert "refused user 'syndikat' with this application password" in refused.error
    after = admin.get("wp/v2/posts", params={"status": "any", "context": "edit"}).json()
    assert [post["id"] for post in after] == [post["id"] for post in before]
