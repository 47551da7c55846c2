"""An HTTP proxy in front of a real server that loses the answer to the first post creation.

The request reaches the server (WordPress creates the post), but the proxy closes the client's
connection without answering: what a timeout or a dropped connection looks like to Syndikat.
Every other request is forwarded and answered as the server answers it.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import httpx

from tests.support.local_server import LocalServer

#: Headers that describe one hop's connection, not the answer; httpx also decodes the body.
HOP_HEADERS = frozenset(
    {"connection", "content-length", "content-encoding", "host", "keep-alive", "transfer-encoding"}
)


def creates_a_post(method: str, url: httpx.URL) -> bool:
    route = url.params.get("rest_route") or url.path
    return method == "POST" and route.rstrip("/").endswith("/wp/v2/posts")


class LosesFirstPostAnswer(LocalServer):
    """Use as a context manager; `base_url` stands in for the upstream's address."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        #: The requests whose answers were lost (at most one).
        self.lost: list[str] = []
        self._lock = threading.Lock()
        super().__init__()

    def _should_lose(self, method: str, url: httpx.URL) -> bool:
        with self._lock:
            if self.lost or not creates_a_post(method, url):
                return False
            self.lost.append(f"{method} {url}")
            return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                url = httpx.URL(proxy.upstream + self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                answer = httpx.request(self.command, url, headers=headers, content=body, timeout=60)
                if proxy._should_lose(self.command, url):
                    self.close_connection = True
                    return  # the server did the work; the client never hears of it
                self.send_response(answer.status_code)
                for name, value in answer.headers.multi_items():
                    if name.lower() not in HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        return Handler
