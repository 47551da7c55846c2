"""A story's picture in a WordPress site's media library, uploaded once per site.

The file is named (and so slugged) after the picture's content hash, `syndikat-<hash>`, so it
is found again on every update and retry, even when the answer to the upload was lost: the
library never holds the same picture twice. Its caption (with the credit) and alt text are the
latest story's. A kill leaves the library alone: the post is trashed, the picture stays.
"""

from __future__ import annotations

from typing import Any

from services.publish.methods.wordpress_api import WordPressError, WordPressSite
from services.publish.pictures import Picture
from shared.media_store import EXTENSIONS, media_store

#: 32 hex digits of the SHA-256 name a picture unmistakably and keep the file name short.
HASH_LENGTH = 32


def media_slug(picture: Picture) -> str:
    return f"syndikat-{picture.sha256[:HASH_LENGTH]}"


def featured_media(site: WordPressSite, picture: Picture) -> int:
    """The id of `picture` in the site's library, uploaded if it is not there yet."""
    slug = media_slug(picture)
    item = site.find_media(slug)
    if item is None:
        item = site.upload_media(_filename(picture), _bytes(picture), picture.content_type)
    media_id = int(item["id"])
    wanted = {"caption": picture.caption_with_credit, "alt_text": picture.alt}
    if _current(item) != wanted:
        site.call("POST", f"/wp/v2/media/{media_id}", json=wanted | {"slug": slug})
    return media_id


def _current(item: dict[str, Any]) -> dict[str, str]:
    caption = item.get("caption")
    raw = caption.get("raw") if isinstance(caption, dict) else caption
    return {"caption": str(raw or ""), "alt_text": str(item.get("alt_text") or "")}


def _filename(picture: Picture) -> str:
    return f"{media_slug(picture)}.{EXTENSIONS.get(picture.content_type, 'bin')}"


def _bytes(picture: Picture) -> bytes:
    try:
        return media_store().get(picture.storage_key)
    except (OSError, ValueError) as exc:
        raise WordPressError(
            None, f"picture {picture.sha256[:12]} is not in the media store: {exc}"
        ) from exc
