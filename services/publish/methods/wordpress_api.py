"""One WordPress site's REST API (wp/v2), authenticated with an Application Password.

The partner's endpoint may be the REST root in either form WordPress offers,
`https://site/wp-json/` (needs pretty permalinks) or `https://site/?rest_route=/` (always works),
or just the site's address, which is then reached through `?rest_route=`.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared import http
from shared.config import get_settings

#: Every post status a lookup must see, trash included (a trashed post's slug gets `__trashed`).
ANY_STATUS = "any,trash"


@dataclass
class WordPressError(Exception):
    status_code: int | None
    message: str
    code: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.message


def rest_url(endpoint: str, route: str) -> httpx.URL:
    """The URL of `route` (e.g. `/wp/v2/posts`) on the site the partner's endpoint names."""
    url = httpx.URL(endpoint)
    path = url.path
    if "rest_route" in url.params:
        return url.copy_merge_params({"rest_route": route})
    if "/wp-json" in path:
        root = path[: path.index("/wp-json") + len("/wp-json")]
        return url.copy_with(path=root + route, query=None)
    return url.copy_with(path=path.rstrip("/") + "/", query=None).copy_merge_params(
        {"rest_route": route}
    )


class WordPressSite:
    """Calls to one site within one time budget: a delivery must finish before its claim ends."""

    def __init__(self, client: httpx.Client, endpoint: str, user: str, app_password: str) -> None:
        self.client = client
        self.endpoint = endpoint
        self.user = user
        self.auth = httpx.BasicAuth(user, app_password)
        self.request_timeout = get_settings().delivery_timeout_seconds
        self.deadline = time.monotonic() + 2 * self.request_timeout

    def call(
        self,
        method: str,
        route: str,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer; any failure raises WordPressError. `content` (with its
        `headers`) is a raw body, e.g. a file for the media library."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WordPressError(None, "timed out (the delivery's time budget is spent)")
        # Merged by hand: httpx's `params=` would replace a `?rest_route=` query.
        url = rest_url(self.endpoint, route).copy_merge_params(params or {})
        try:
            answer = self.client.request(
                method,
                url,
                json=json,
                content=content,
                headers=headers,
                auth=self.auth,
                timeout=min(self.request_timeout, remaining),
            )
        except httpx.TimeoutException:
            raise WordPressError(None, "timed out") from None
        except httpx.HTTPError as exc:
            raise WordPressError(None, f"{type(exc).__name__}: {exc}") from None
        if not 200 <= answer.status_code < 300:
            raise self._refusal(answer)
        try:
            return answer.json()
        except ValueError:
            raise WordPressError(
                None, f"HTTP {answer.status_code} but not JSON: {answer.text[:200]!r}"
            ) from None

    def find_post(self, slug: str) -> dict[str, Any] | None:
        """The post with this slug in any status, trash included."""
        found = self.call(
            "GET",
            "/wp/v2/posts",
            params={"slug": f"{slug},{slug}__trashed", "status": ANY_STATUS, "context": "edit"},
        )
        return found[0] if isinstance(found, list) and found else None

    def find_media(self, slug: str) -> dict[str, Any] | None:
        """The media library item with this slug."""
        found = self.call("GET", "/wp/v2/media", params={"slug": slug, "context": "edit"})
        return found[0] if isinstance(found, list) and found else None

    def upload_media(self, filename: str, data: bytes, content_type: str) -> dict[str, Any]:
        answer = self.call(
            "POST",
            "/wp/v2/media",
            content=data,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
        if not isinstance(answer, dict) or not str(answer.get("id", "")).isdigit():
            raise WordPressError(None, f"WordPress answered an upload with {str(answer)[:200]!r}")
        return answer

    def term_ids(self, taxonomy: str, names: list[str]) -> tuple[list[int], list[str]]:
        """Ids of the named terms, created when missing; and the names the user may not create."""
        ids: list[int] = []
        refused: list[str] = []
        for name in names:
            term_id = self._term_id(taxonomy, name)
            if term_id is None:
                refused.append(name)
            elif term_id not in ids:
                ids.append(term_id)
        return ids, refused

    def _term_id(self, taxonomy: str, name: str) -> int | None:
        route = f"/wp/v2/{taxonomy}"
        candidates = self.call("GET", route, params={"search": name, "per_page": 100})
        for term in candidates if isinstance(candidates, list) else []:
            # Names come back HTML-escaped ("Arts &amp; Culture").
            if html.unescape(str(term.get("name", ""))).casefold() == name.casefold():
                return int(term["id"])
        try:
            return int(self.call("POST", route, json={"name": name})["id"])
        except WordPressError as error:
            if error.code == "term_exists" and "term_id" in error.data:
                return int(error.data["term_id"])  # someone created it a moment ago
            if error.code == "rest_cannot_create" and error.status_code == 403:
                return None  # an Author may use terms but not create them
            raise

    def _refusal(self, answer: httpx.Response) -> WordPressError:
        status, code, message = answer.status_code, None, answer.text[:200]
        data: dict[str, Any] = {}
        try:
            body = answer.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "message" in body:
            code, message = body.get("code"), str(body["message"])
            data = body["data"] if isinstance(body.get("data"), dict) else {}
            status, code, message = _nested_auth_refusal(data) or (status, code, message)
        text = f"HTTP {status}: {message}" + (f" ({code})" if code else "")
        if status in (401, 403):
            text = (
                f"HTTP {status}: WordPress refused user {self.user!r} with this application "
                f"password ({code}: {message}); check the user, its application password and "
                "that its role may publish and edit others' posts (Editor)"
            )
        return WordPressError(status, text, code, data, http.retry_after(answer))


def _nested_auth_refusal(data: dict[str, Any]) -> tuple[int, str, str] | None:
    """A parameter WordPress refused for lack of rights (e.g. `status=any` when not logged in)."""
    details = data.get("details")
    for detail in details.values() if isinstance(details, dict) else []:
        nested = detail.get("data") if isinstance(detail, dict) else None
        if isinstance(nested, dict) and nested.get("status") in (401, 403):
            return int(nested["status"]), str(detail.get("code")), str(detail.get("message"))
    return None
