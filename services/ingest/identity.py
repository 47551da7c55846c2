"""Who a story is: its source and its uri.

A story belongs to the source that sent it first; the same uri from another source is another
story, so no source can ever update or kill a story of another one. The uri is kept as the wire
sent it when it is a URI (it has a scheme: `urn:`, `http:`, `tag:` ...). An id that is not a
URI (an RSS guid "12345", a NewsML-G2 guid "N1", a NITF doc-id without `regsrc`) means something
only within its source, so it becomes `urn:syndikat:<source>:<id>`: partners then never see two
sources' "N1" as one story.
"""

from __future__ import annotations

import re

from shared import ninjs

HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
#: The longest uri a story can have (`stories.uri`).
MAX_URI_CHARS = 1000


def story_uri(sent_id: str, source_name: str) -> str:
    """The uri Syndikat stores for the id `source_name` sent."""
    sent_id = sent_id.strip()
    return sent_id if HAS_SCHEME.match(sent_id) else f"urn:syndikat:{source_name}:{sent_id}"


def checked_story_uri(sent_id: str, source_name: str) -> str:
    """`story_uri`, refused (`ninjs.InvalidStory`) when it is longer than a story's uri can be."""
    uri = story_uri(sent_id, source_name)
    if len(uri) > MAX_URI_CHARS:
        raise ninjs.InvalidStory(
            f"the story's uri is {len(uri):,} characters long; at most {MAX_URI_CHARS:,} are kept",
            ["uri: too long"],
        )
    return uri


def earlier_uris(sent_id: str) -> list[str]:
    """The uris a story with this id was stored under before ids were scoped (migration 0008).

    Before, an id that was not a URI was stored as sent, or (NITF without `regsrc`) as
    `urn:nitf:nitf:<id>`; a new version of such a story still finds it, within its own source.
    """
    sent_id = sent_id.strip()
    if HAS_SCHEME.match(sent_id):
        return []
    return [sent_id, f"urn:nitf:nitf:{sent_id}"]
