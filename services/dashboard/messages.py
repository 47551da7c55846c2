"""Messages shown after a form did (or refused) its work, on the next page.

They travel in the session cookie, so they are cut short: an error that quotes what someone
typed must not grow the cookie past what a browser keeps (about 4 KB), which would sign them out.
"""

from __future__ import annotations

from flask import flash

MAX_MESSAGE = 600


def say(message: str, category: str = "info") -> None:
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    flash(message, category)
