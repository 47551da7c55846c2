"""Fetching a feed: conditional GET through the one HTTP client, with a size limit.

An unchanged feed answers 304 to our `If-None-Match`/`If-Modified-Since` and costs one request.
A body over the limit is refused before it is parsed; a redirect is not followed (the operator
updates the source's URL instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shared import http

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)


class FeedUnavailable(Exception):
    """The feed could not be fetched, or its answer is not one to read."""


@dataclass(frozen=True)
class Fetched:
    #: None when the server said the feed has not changed (304).
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None


def fetch(url: str, etag: str | None, last_modified: str | None, max_bytes: int) -> Fetched:
    headers = {"Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with http.client() as client, client.stream("GET", url, headers=headers) as response:
            return _answer(response, etag, last_modified, max_bytes)
    except httpx.HTTPError as exc:
        raise FeedUnavailable(f"could not fetch the feed: {exc}") from exc


def _answer(
    response: httpx.Response, etag: str | None, last_modified: str | None, max_bytes: int
) -> Fetched:
    if response.status_code == 304:
        return Fetched(None, etag, last_modified, None)
    if response.is_redirect:
        moved_to = response.headers.get("location", "?")
        raise FeedUnavailable(
            f"HTTP {response.status_code}: the feed moved to {moved_to}; update the source's URL"
        )
    if response.status_code != 200:
        raise FeedUnavailable(f"HTTP {response.status_code} from the feed server")
    return Fetched(
        read_limited(response, max_bytes, "feed"),
        response.headers.get("etag"),
        response.headers.get("last-modified"),
        response.headers.get("content-type"),
    )


def read_limited(response: httpx.Response, max_bytes: int, what: str) -> bytes:
    """The body of a streamed response, refused as soon as it grows past `max_bytes`."""
    too_large = f"the {what} is larger than the limit of {max_bytes:,} bytes"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedUnavailable(too_large)
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FeedUnavailable(too_large)
        chunks.append(chunk)
    return b"".join(chunks)
