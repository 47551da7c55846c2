"""What goes wrong reading a wire document before it is even a story."""

from __future__ import annotations


class MalformedDocument(ValueError):
    """Not a readable document: broken or hostile XML, invalid UTF-8, malformed JSON."""


class UnsupportedFormat(ValueError):
    """A readable document in a format Syndikat does not take, or not the source's format."""
