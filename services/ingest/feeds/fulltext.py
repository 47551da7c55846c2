"""The article behind a feed item's link, for items that carry only a teaser (trafilatura).

Used only for sources with `fetch_full_text`. Any failure leaves the item with its teaser.
"""

from __future__ import annotations

import logging

import trafilatura

from services.ingest.feeds.fetch import read_limited
from shared import http
from shared.config import get_settings

log = logging.getLogger(__name__)


def article_html(url: str) -> str | None:
    """The main text of the page at `url` as simple HTML (paragraphs, headings, lists)."""
    try:
        with http.client() as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                log.info("full text of %s: HTTP %s", url, response.status_code)
                return None
            page = read_limited(response, get_settings().max_body_bytes, "article page")
    except Exception as exc:  # the article is optional: any failure keeps the teaser
        log.info("full text of %s not fetched: %s", url, exc)
        return None
    extracted = trafilatura.extract(
        page,
        url=url,
        output_format="html",
        include_comments=False,
        include_links=True,
        include_images=False,
        include_tables=False,
    )
    return extracted or None
