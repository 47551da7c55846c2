"""A local HTTP server standing in for a partner: records every request, answers as told."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.local_server import LocalServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    #: monotonic times the request arrived and its answer was written, and the answer's status
    started: float = 0.0
    finished: float | None = None
    status: int | None = None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Close the connection without answering at all.
    close: bool = False
    #: Send these bytes instead of an HTTP answer (garbage), then close.
    raw: bytes | None = None


class Receiver(LocalServer):
    """Use as a context manager; `url` is where to send, `requests` what arrived."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return self.base_url + "/hook"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.requests)}")

    def _next_answer(self) -> Answer:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                received = Received(self.path, headers, body, started=time.monotonic())
                receiver._record(received)
                answer = receiver._next_answer()
                time.sleep(answer.delay)
                if answer.close or answer.raw is not None:
                    self.wfile.write(answer.raw or b"")
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    received.finished = time.monotonic()
                    return
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (its timeout): nothing to answer
                finally:
                    received.finished, received.status = time.monotonic(), answer.status

            # A WordPress partner's sign-in (GET …/users/me) is answered from the script too.
            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
