"""A local HTTP server standing in for a wire's feed: serves documents, honours conditional GET.

`serve(path, body)` publishes a document (with a fresh ETag and Last-Modified); `requests`
records every GET with its headers. `etags=False` makes it a server that ignores conditional
requests, as many do.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.local_server import LocalServer


@dataclass
class Page:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class FeedServer(LocalServer):
    def __init__(self, etags: bool = True) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[Request] = []
        self.etags = etags
        self._lock = threading.Lock()
        super().__init__()

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path: str, body: bytes, **options: Any) -> str:
        page = Page(body, **options)
        page.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        page.last_modified = formatdate(usegmt=True)
        with self._lock:
            self.pages[path] = page
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(Request(path, headers))
            page = self.pages.get(path)
        if page is None:
            return 404, {}, b"not found"
        if self.etags and page.status == 200 and headers.get("if-none-match") == page.etag:
            return 304, {"ETag": page.etag}, b""
        sent = {"Content-Type": page.content_type} | page.headers
        if self.etags:
            sent |= {"ETag": page.etag, "Last-Modified": page.last_modified}
        return page.status, sent, page.body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, sent, body = server._answer(self.path, headers)
                self.send_response(status)
                for name, value in sent.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may stop reading (e.g. a body over its limit).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
