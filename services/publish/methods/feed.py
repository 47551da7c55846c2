"""Pull feeds: nothing is pushed; a delivery marks the version as available in the partner's feed.

The feed itself (Atom and a ninjs JSON list) is served by `services.publish.feed_api`.
"""

from __future__ import annotations

from services.publish.methods.base import Outcome, Outgoing


class FeedMethod:
    name = "feed"
    #: Fan-out records these deliveries as made available instead of sending them.
    pulls = True

    def send(self, outgoing: Outgoing) -> Outcome:
        return Outcome(204)  # the version is in the feed; there is nothing to send
