"""What every request to the API and every answer from it goes through.

Requests: a NUL character anywhere in the URL or a header is refused before any view runs (the
dashboard applies the same check to its forms).
No legitimate client sends one, PostgreSQL text cannot hold one (a lookup by such a name would be
a 500), and logs and error records should never carry one.

Answers: a JSON API is never a page, so no browser may render, sniff or frame it, and nothing it
says (a feed token shown once, unpublished stories) is kept by a cache.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, request

from shared.web.errors import ApiError

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def refuse_nul_characters() -> None:
    # Only the URL and headers: reading the form here would consume a push's body.
    if nul_in_request():
        raise ApiError(400, "invalid_request", "NUL characters are not allowed in URLs or headers")


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def nul_in_request(form: bool = False) -> bool:
    """True when the URL, a header or (with `form`) a form field holds a NUL character."""
    query = unquote_to_bytes(request.query_string.replace(b"+", b" "))
    values = [value for _, value in request.headers.items()]
    if form:
        values += [value for _, value in request.form.items(multi=True)]
    return "\x00" in request.path or b"\x00" in query or any("\x00" in v for v in values)
