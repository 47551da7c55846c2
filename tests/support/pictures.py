"""Small pictures made in the tests with Pillow, and stories that carry them (no network)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

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
