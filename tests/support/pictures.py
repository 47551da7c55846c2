"""Pictures for tests, made here (no network): real image bytes, wire picture associations as
ingest takes them in, and stored picture stories as ingest leaves them after a fetch (the
association's `x-syndikat-media` naming the bytes kept in the media store).
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib
from typing import Any

from PIL import Image

from shared import media_store
from tests.support.factories import fixture_story


def picture_bytes(
    width: int = 64, height: int = 48, kind: str = "JPEG", colour: str = "red"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=kind)
    return out.getvalue()


def picture(name: str, *renditions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A ninjs 2.x picture association."""
    return {
        "name": name,
        "uri": f"urn:syndikat:test:picture:{name}",
        "type": "picture",
        "renditions": list(renditions),
        "descriptions": [{"role": "caption", "contenttype": "text/plain", "value": "Das Rathaus"}],
        "by": "Anna Fotografin",
        "copyrightnotice": "(c) dpa",
        "usageterms": "Nur redaktionell",
        "x-syndikat-credit": "Foto: dpa",
        "x-syndikat-alt": "Ein Rathaus aus rotem Backstein",
    } | fields


def rendition(href: str, width: int = 64, height: int = 48, name: str = "baseImage") -> dict:
    return {
        "name": name,
        "title": name,
        "href": href,
        "width": width,
        "height": height,
        "contenttype": "image/jpeg",
    }


def story_with(*pictures: dict[str, Any], uri: str = "urn:syndikat:test:rathaus") -> dict:
    return fixture_story(uri=uri, associations=list(pictures))


CAPTION = "Das Rathaus von Bremen am Sonntagmorgen."
ALT = "Das Rathaus mit einem Gerüst"
HEADLINE = "Rathaus Bremen"
CREDIT = "Foto: Sina Schuldt/dpa"


def png_bytes(width: int = 32, height: int = 24, seed: int = 1, *, noise: bool = False) -> bytes:
    """A valid PNG; `noise` makes it incompressible (about width*height*3 bytes)."""
    rng = random.Random(seed)
    if noise:
        rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    else:
        colour = bytes(rng.randrange(256) for _ in range(3))
        rows = (b"\x00" + colour * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    level = 0 if noise else 9
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, level))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def stored_picture(data: bytes, width: int = 32, height: int = 24) -> dict[str, Any]:
    """Put `data` in the configured media store; the association's `x-syndikat-media`."""
    sha256 = hashlib.sha256(data).hexdigest()
    media_store.media_store().put(media_store.key_for(sha256, "image/png"), data, "image/png")
    return {
        "sha256": sha256,
        "content_type": "image/png",
        "width": width,
        "height": height,
        "size_bytes": len(data),
    }


def picture_association(
    data: bytes | None = None, *, store: bool = True, **changes: Any
) -> dict[str, Any]:
    """A fetched picture; `store=False` leaves the media store alone (tests without one)."""
    data = data if data is not None else png_bytes()
    picture = {
        "uri": "urn:wire:photo:1",
        "type": "picture",
        "headline": HEADLINE,
        "body_text": CAPTION,
        "x-syndikat-alt": ALT,
        "x-syndikat-credit": CREDIT,
        "by": "Sina Schuldt",
        "copyrightnotice": "dpa",
        "usageterms": "Nur zur redaktionellen Verwendung",
        "renditions": {
            "original": {
                "href": "https://wire.example/photos/rathaus.png",
                "width": 32,
                "height": 24,
                "contenttype": "image/png",
            }
        },
        "x-syndikat-media": stored_picture(data) if store else {"sha256": "0" * 64},
    }
    return picture | changes


def store_picture_story(db: Any, doc: dict[str, Any]) -> int:
    """Store `doc` with its pictures as the ingest side keeps them (fetched, in the media store);
    returns its version's id. (The story goes in without them; the stored version then gets
    them, so these tests do not depend on how pictures are fetched.)"""
    from shared.models import StoryVersion
    from tests.support.factories import store_story

    version_id = store_story(db, {k: v for k, v in doc.items() if k != "associations"})
    version = db.get(StoryVersion, version_id)
    version.ninjs = doc
    for association in (doc.get("associations") or {}).values():
        record_media(db, association.get("x-syndikat-media") or {})
    db.commit()
    return version_id


def record_media(db: Any, media: dict[str, Any]) -> None:
    """The `media` row the ingest side writes for a fetched picture (once per hash)."""
    from sqlalchemy import select

    from shared.models import Media

    if not media.get("sha256") or not media.get("content_type"):
        return  # no picture fetched (or a test's stand-in without bytes)
    if db.scalar(select(Media.id).where(Media.sha256 == media["sha256"])) is None:
        key = media_store.key_for(media["sha256"], media["content_type"])
        db.add(Media(**media, storage_key=key))
        db.flush()


def translated_picture_version(
    db: Any, association: dict[str, Any] | None = None, **changes: Any
) -> int:
    """A German story with one picture (`association`), taken in and translated."""
    from services.translate import pipeline
    from tests.support.factories import fixture_story

    picture = association if association is not None else picture_association()
    version_id = store_picture_story(db, fixture_story(associations={"photo": picture}, **changes))
    pipeline.translate_version(version_id)
    return version_id
