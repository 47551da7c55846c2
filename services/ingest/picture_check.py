"""Downloading one picture and making sure it is one: the part of fetching that trusts nothing.

The wire's picture URL is fetched through the one SSRF-guarded client (`shared.http`: no
redirects, no private addresses, a deadline for the whole download) with a byte limit that is
enforced while reading, so a 50 MB answer is refused after SYNDIKAT_PICTURE_MAX_BYTES, not
after 50 MB. What came back is judged by its bytes, never by its Content-Type header: the magic
number must be JPEG, PNG, WebP or GIF, and Pillow must decode the whole image (a truncated or
corrupt file fails here, and a decompression bomb — a small file declaring huge dimensions — is
refused from its header, before any pixel is decoded).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import httpx
from PIL import Image

from shared import http
from shared.config import get_settings

#: Magic numbers (at offset 0) of the formats Syndikat takes; WebP is checked on its own.
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
#: Pillow's name of each format, so it decodes a file only as what its bytes said it is.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
#: What a refused file's start most likely is, for a reason an editor understands.
RECOGNISED_OTHERS = (
    (b"<svg", "an SVG image (SVG can carry scripts; Syndikat takes no SVG)"),
    (b"<?xml", "an XML document (e.g. SVG), not a picture"),
    (b"<!doctype html", "an HTML page, not a picture"),
    (b"<html", "an HTML page, not a picture"),
)
#: A compressed answer would be counted against the byte limit only once inflated.
IDENTITY = {"Accept-Encoding": "identity"}
TAKEN = "JPEG, PNG, WebP or GIF"


class PictureRefused(Exception):
    """The picture was not fetched or is not one Syndikat takes; the message says why."""


@dataclass(frozen=True)
class Picture:
    data: bytes
    sha256: str
    content_type: str
    width: int
    height: int

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def fetch(url: str) -> Picture:
    """The checked picture at `url`; raises `PictureRefused` with the reason."""
    return check(download(url))


def download(url: str) -> bytes:
    settings = get_settings()
    limit, seconds = settings.picture_max_bytes, settings.picture_fetch_timeout_seconds
    try:
        http.check_url(url)
        with (
            http.client(timeout=seconds) as client,
            client.stream("GET", url, headers=IDENTITY) as answer,
        ):
            _check_answer(answer, limit)
            return _read_limited(answer, limit)
    except http.UnsafeURL as exc:
        raise PictureRefused(f"not fetched: {exc}") from None
    except httpx.TimeoutException:
        raise PictureRefused(f"the download took longer than {seconds:g} s: abandoned") from None
    except httpx.HTTPError as exc:
        raise PictureRefused(f"could not be downloaded: {exc}") from None


def _check_answer(answer: httpx.Response, limit: int) -> None:
    if answer.is_redirect:
        where = answer.headers.get("location", "(nowhere)")
        raise PictureRefused(
            f"the server redirected to {where}; Syndikat does not follow redirects for pictures"
        )
    if answer.status_code != 200:
        raise PictureRefused(f"the server answered HTTP {answer.status_code}")
    declared = answer.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PictureRefused(
            f"{int(declared)} bytes, more than the limit of {limit} (SYNDIKAT_PICTURE_MAX_BYTES):"
            " not downloaded"
        )


def _read_limited(answer: httpx.Response, limit: int) -> bytes:
    received = bytearray()
    for chunk in answer.iter_bytes():
        received += chunk
        if len(received) > limit:
            raise PictureRefused(
                f"more than {limit} bytes (SYNDIKAT_PICTURE_MAX_BYTES): download stopped"
            )
    return bytes(received)


def sniff(data: bytes) -> str | None:
    """The content type the bytes say (JPEG, PNG, WebP, GIF), or None."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(data: bytes) -> Picture:
    """`data` as a decoded, bounded picture; raises `PictureRefused` saying what it is instead."""
    if not data:
        raise PictureRefused("the server sent an empty file")
    content_type = sniff(data)
    if content_type is None:
        raise PictureRefused(f"{_what_it_is(data)}; Syndikat takes {TAKEN} only")
    width, height = _decode(data, PILLOW_FORMATS[content_type])
    return Picture(data, hashlib.sha256(data).hexdigest(), content_type, width, height)


def _what_it_is(data: bytes) -> str:
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for marker, what in RECOGNISED_OTHERS:
        if start.startswith(marker) or (marker == b"<svg" and b"<svg" in start):
            return what
    return f"not a picture (the file starts with {data[:8]!r})"


def _decode(data: bytes, pillow_format: str) -> tuple[int, int]:
    max_pixels = get_settings().picture_max_pixels
    # Pillow refuses more than twice MAX_IMAGE_PIXELS when it reads the header, and only warns
    # above it: the warning is made an error, so the limit is hard and no pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                image.verify()  # the structure: chunks, checksums
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                image.load()  # every pixel: a truncated file fails here
                return image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PictureRefused(
            f"a decompression bomb: {exc} (SYNDIKAT_PICTURE_MAX_PIXELS); not decoded"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PictureRefused(f"not a readable {pillow_format} picture: {exc}") from None
