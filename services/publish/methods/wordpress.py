"""WordPress partners: each story becomes one post, corrected in place and trashed on a kill.

The partner's credentials (JSON) hold `user` and `app_password` (an Application Password) and
may hold `author_id`, the partner's own editor to post as; without it the wire's byline opens
the content. Later events of the story go to the post id an earlier delivery recorded.

A request may create the post while its answer is lost (a timeout, a dropped connection), so no
post id is recorded. A story's post therefore carries a slug made from the story's own id
(`syndikat-<story id>`, never the headline, which an update may change), and whenever no post
id is recorded, the post with that slug is looked up (any status, trash included) first: a
publish or update adopts and corrects it instead of posting twice, and a kill trashes it. A
kill counts as done only once no such post is left; a failed lookup is retried.

A story sent before its embargo (to a partner that honours embargoes) becomes a scheduled post,
`status: future` with `date_gmt` the embargo; an update moves the schedule, and an update that
lifts the embargo publishes the post.

The story's first picture is the post's featured image, uploaded to the site's media library
once (`wordpress_media`); an update with another picture sets that one, an update without a
picture clears it, and a kill trashes the post but leaves the library alone.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from services.publish.methods import wordpress_media
from services.publish.methods.base import Outcome, Outgoing
from services.publish.methods.wordpress_api import WordPressError, WordPressSite
from shared import clock, http, ninjs
from shared.models import DeliveryEvent

log = logging.getLogger(__name__)


class WordPressMethod:
    name = "wordpress"
    #: WordPress publishes at once a post scheduled less than a minute ahead: closer to its
    #: embargo, a story is held for the partner instead (see `services.publish.embargo`).
    schedules_ahead = timedelta(minutes=1)

    def send(self, outgoing: Outgoing) -> Outcome:
        return self._on_site(outgoing, _deliver)

    def test(self, outgoing: Outgoing) -> Outcome:
        """Check the address and the Application Password without publishing anything."""
        return self._on_site(outgoing, _who_signs_in)

    @staticmethod
    def _on_site(outgoing: Outgoing, work: Callable[[WordPressSite, Outgoing], Outcome]) -> Outcome:
        user = outgoing.credentials.get("user")
        app_password = outgoing.credentials.get("app_password")
        if not (user and app_password and outgoing.endpoint):
            return Outcome(None, "the partner has no WordPress address, user or app_password")
        try:
            _author_id(outgoing.credentials)  # a bad one is refused before anything is sent
            with http.client() as client:
                return work(WordPressSite(client, outgoing.endpoint, user, app_password), outgoing)
        except WordPressError as error:
            return Outcome(error.status_code, str(error), retry_after=error.retry_after)


def _deliver(site: WordPressSite, outgoing: Outgoing) -> Outcome:
    if outgoing.event == DeliveryEvent.KILLED:
        return _withdraw(site, outgoing)
    return _publish(site, outgoing)


def _who_signs_in(site: WordPressSite, _outgoing: Outgoing) -> Outcome:
    me = site.call("GET", "/wp/v2/users/me", params={"context": "edit"})
    return Outcome(200, extra={"signed_in_as": me.get("slug") if isinstance(me, dict) else None})


def _publish(site: WordPressSite, outgoing: Outgoing) -> Outcome:
    if outgoing.remote_id:
        return _update(site, _post_id(outgoing.remote_id), outgoing)
    slug = post_slug(outgoing.story_id)
    existing = site.find_post(slug)
    if existing is not None:  # an earlier request made the post; its answer was lost
        adopted = _update(site, _post_id(_id_of(existing)), outgoing)
        return replace(adopted, extra=adopted.extra | {"found_by_slug": slug})
    fields, extra = _fields_with_terms(site, outgoing)
    post = site.call("POST", "/wp/v2/posts", json=fields | {"slug": slug} | _schedule(outgoing))
    return Outcome(201, remote_id=_id_of(post), extra=extra)


def _schedule(outgoing: Outgoing) -> dict[str, str]:
    """Published now, or scheduled for the embargo (WordPress publishes it then itself)."""
    if outgoing.embargoed_until is None:
        return {"status": "publish"}
    return {"status": "future", "date_gmt": _wordpress_time(outgoing.embargoed_until)}


def _wordpress_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _update(site: WordPressSite, post_id: int, outgoing: Outgoing) -> Outcome:
    """Correct the post in place; its status and slug stay as the partner's editors left them,
    except that an embargo moves the post's schedule (see the module's notes)."""
    fields, extra = _fields_with_terms(site, outgoing)
    if outgoing.embargoed_until is not None:
        fields |= _schedule(outgoing)
    try:
        post = site.call("POST", f"/wp/v2/posts/{post_id}", json=fields)
    except WordPressError as error:
        if error.code == "rest_post_invalid_id":
            error.message = f"WordPress post {post_id} no longer exists; the update was not applied"
        raise
    if _embargo_lifted(outgoing, post):
        post = site.call(
            "POST",
            f"/wp/v2/posts/{post_id}",
            json={"status": "publish", "date_gmt": _wordpress_time(clock.now())},
        )
    return Outcome(200, remote_id=_id_of(post), extra=extra)


def _embargo_lifted(outgoing: Outgoing, post: Any) -> bool:
    """A post scheduled for an embargo the story no longer has."""
    scheduled = isinstance(post, dict) and post.get("status") == "future"
    return scheduled and outgoing.honours_embargoes and outgoing.embargoed_until is None


def _fields_with_terms(
    site: WordPressSite, outgoing: Outgoing
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The post's fields, categories and tags as ids; `extra` names terms that could not be made."""
    fields = post_fields(outgoing.story, outgoing.credentials)
    # The first picture is the featured image; none (any more): the post has none.
    picture = outgoing.pictures[0] if outgoing.pictures else None
    fields["featured_media"] = wordpress_media.featured_media(site, picture) if picture else 0
    fields["categories"], refused = site.term_ids("categories", subject_names(outgoing.story))
    fields["tags"], refused_tags = site.term_ids("tags", tag_names(outgoing.story))
    refused += refused_tags
    if not refused:
        return fields, {}
    log.warning(
        "WordPress user %s may not create categories or tags; posted without %s",
        site.user,
        ", ".join(refused),
        extra={"story_uri": outgoing.story.get("uri")},
    )
    return fields, {"terms_not_created": refused}


def _withdraw(site: WordPressSite, outgoing: Outgoing) -> Outcome:
    """Trash the story's post: the recorded one, else the one carrying the story's slug."""
    if outgoing.remote_id:
        return _trash(site, outgoing.remote_id)
    slug = post_slug(outgoing.story_id)
    existing = site.find_post(slug)  # a failed lookup raises: the kill is retried
    if existing is None:
        return Outcome(200, extra={"no_post_with_slug": slug})  # nothing was ever posted
    trashed = _trash(site, _id_of(existing))
    return replace(trashed, extra=trashed.extra | {"found_by_slug": slug})


def _trash(site: WordPressSite, remote_id: str) -> Outcome:
    try:
        site.call("DELETE", f"/wp/v2/posts/{_post_id(remote_id)}")
    except WordPressError as error:
        # Already in the trash (410) or deleted for good (404): withdrawn either way. 410 must
        # not reach the status-code rules, where it would mean "endpoint gone".
        if error.code not in ("rest_already_trashed", "rest_post_invalid_id"):
            raise
        return Outcome(200, remote_id=remote_id, extra={"wordpress": error.code})
    return Outcome(200, remote_id=remote_id)


def _post_id(remote_id: str) -> int:
    if not remote_id.isdigit():
        raise WordPressError(None, f"recorded post id {remote_id!r} is not a WordPress post id")
    return int(remote_id)


def _id_of(post: Any) -> str:
    if not isinstance(post, dict) or not str(post.get("id", "")).isdigit():
        raise WordPressError(None, f"WordPress answered without a post id: {str(post)[:200]!r}")
    return str(post["id"])


def post_fields(story: dict[str, Any], credentials: dict[str, Any]) -> dict[str, Any]:
    author_id = _author_id(credentials)
    fields: dict[str, Any] = {
        # WordPress shows a title as HTML; the headline is plain text, so it is escaped.
        "title": escape(ninjs.main_headline(story) or "", quote=False),
        "content": post_content(story, with_byline=author_id is None),
        "excerpt": _summary(story),
    }
    if author_id is not None:
        fields["author"] = author_id
    return fields


def _author_id(credentials: dict[str, Any]) -> int | None:
    value = credentials.get("author_id")
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise WordPressError(None, f"author_id {value!r} is not a WordPress user id")
    return int(value)


def post_content(story: dict[str, Any], with_byline: bool) -> str:
    """The English body, the wire's byline above it if asked, the attribution below it."""
    parts = []
    byline = _byline(story) if with_byline else ""
    if byline:
        parts.append(f'<p class="syndikat-byline">By {escape(byline)}</p>')
    parts.append(_body_html(story))
    if story.get("copyrightnotice"):
        parts.append(f'<p class="syndikat-attribution">{escape(story["copyrightnotice"])}</p>')
    return "\n".join(part for part in parts if part)


def _byline(story: dict[str, Any]) -> str:
    """The byline without a "By" of its own, which the post adds (never "By By …")."""
    byline = str(story.get("by") or "").strip()
    return re.sub(r"^by\s+", "", byline, flags=re.IGNORECASE)


def subject_names(story: dict[str, Any]) -> list[str]:
    """Subjects become categories (a site's sections)."""
    return _names(subject.get("name") for subject in story.get("subjects") or [])


def tag_names(story: dict[str, Any]) -> list[str]:
    """The places, people and organisations the story is about become tags."""
    kinds = ("places", "people", "organisations")
    return _names(entity.get("name") for kind in kinds for entity in story.get(kind) or [])


def post_slug(story_id: str) -> str:
    """The story's slug: the same for all its versions and on every attempt (see above)."""
    try:
        return f"syndikat-{uuid.UUID(story_id).hex}"
    except ValueError:
        raise WordPressError(None, f"no story id to find its post by: {story_id!r}") from None


def _names(values: Any) -> list[str]:
    names = [str(value).strip() for value in values if value and str(value).strip()]
    return list(dict.fromkeys(names))


def _summary(story: dict[str, Any]) -> str:
    descriptions = story.get("descriptions") or [{}]
    summaries = [d for d in descriptions if d.get("role") == "summary"] or descriptions
    return str(summaries[0].get("value") or "")


def _body_html(story: dict[str, Any]) -> str:
    body = ninjs.main_body(story) or {}
    text = str(body.get("value") or "")
    if "html" in str(body.get("contenttype", "text/html")):
        return text  # sanitised when the story came in
    return "\n".join(f"<p>{escape(par.strip())}</p>" for par in text.split("\n\n") if par.strip())
