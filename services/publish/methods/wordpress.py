"""WordPress partners: each story becomes one post, corrected in place and trashed on a kill.

The partner's credentials (JSON) hold `user` and `app_password` (an Application Password) and
may hold `author_id`, the partner's own editor to post as; without it the wire's byline opens
the content. A story's post is found again by its slug, `<headline>-<hash of the story uri>`:
a retry whose first attempt created the post but lost the answer finds it instead of posting
twice. Later events of the story go to the post id the first delivery recorded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from html import escape
from typing import Any

from services.publish.methods.base import Outcome, Outgoing
from services.publish.methods.wordpress_api import WordPressError, WordPressSite
from shared import http, ninjs

log = logging.getLogger(__name__)
KILLED = "story.killed"


class WordPressMethod:
    name = "wordpress"

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
    if outgoing.event == KILLED:
        return _trash(site, outgoing.remote_id)
    return _publish(site, outgoing)


def _who_signs_in(site: WordPressSite, _outgoing: Outgoing) -> Outcome:
    me = site.call("GET", "/wp/v2/users/me", params={"context": "edit"})
    return Outcome(200, extra={"signed_in_as": me.get("slug") if isinstance(me, dict) else None})


def _publish(site: WordPressSite, outgoing: Outgoing) -> Outcome:
    if outgoing.remote_id:
        return _update(site, _post_id(outgoing.remote_id), outgoing)
    slug = post_slug(outgoing.story)
    existing = site.find_post(slug)
    if existing is not None:  # an earlier attempt got through; its answer did not
        return Outcome(200, remote_id=_id_of(existing), extra={"found_by_slug": slug})
    fields, extra = _fields_with_terms(site, outgoing)
    post = site.call("POST", "/wp/v2/posts", json=fields | {"slug": slug, "status": "publish"})
    return Outcome(201, remote_id=_id_of(post), extra=extra)


def _update(site: WordPressSite, post_id: int, outgoing: Outgoing) -> Outcome:
    """Correct the post in place; its status and slug stay as the partner's editors left them."""
    fields, extra = _fields_with_terms(site, outgoing)
    try:
        post = site.call("POST", f"/wp/v2/posts/{post_id}", json=fields)
    except WordPressError as error:
        if error.code == "rest_post_invalid_id":
            error.message = f"WordPress post {post_id} no longer exists; the update was not applied"
        raise
    return Outcome(200, remote_id=_id_of(post), extra=extra)


def _fields_with_terms(
    site: WordPressSite, outgoing: Outgoing
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The post's fields, categories and tags as ids; `extra` names terms that could not be made."""
    fields = post_fields(outgoing.story, outgoing.credentials)
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


def _trash(site: WordPressSite, remote_id: str | None) -> Outcome:
    if not remote_id:
        # Never a silent success: the post may still be on its way (a retried first delivery).
        return Outcome(None, "no WordPress post is recorded for this story yet; nothing trashed")
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
    if with_byline and story.get("by"):
        parts.append(f'<p class="syndikat-byline">By {escape(str(story["by"]))}</p>')
    parts.append(_body_html(story))
    if story.get("copyrightnotice"):
        parts.append(f'<p class="syndikat-attribution">{escape(story["copyrightnotice"])}</p>')
    return "\n".join(part for part in parts if part)


def subject_names(story: dict[str, Any]) -> list[str]:
    """Subjects become categories (a site's sections)."""
    return _names(subject.get("name") for subject in story.get("subjects") or [])


def tag_names(story: dict[str, Any]) -> list[str]:
    """The places, people and organisations the story is about become tags."""
    kinds = ("places", "people", "organisations")
    return _names(entity.get("name") for kind in kinds for entity in story.get(kind) or [])


def post_slug(story: dict[str, Any]) -> str:
    """Readable, and the same on every attempt of a delivery: headline words and a uri hash."""
    digest = hashlib.sha256(story["uri"].encode()).hexdigest()[:12]
    ascii_title = unicodedata.normalize("NFKD", ninjs.main_headline(story) or "")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.encode("ascii", "ignore").decode().lower())
    prefix = words[:60].strip("-") or "syndikat"
    return f"{prefix}-{digest}"


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
