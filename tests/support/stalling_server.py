"""A partner that holds requests open: it never answers, or answers one byte a second.

Raw sockets, not http.server: the point is an answer that never completes. Each connection is
served in its own thread until the client gives up (or the server is closed).
"""

from __future__ import annotations

import socket
import threading
from typing import Literal, Self

Behaviour = Literal["silent", "trickles headers", "trickles body"]
#: The start of an answer whose header never ends when trickled one byte at a time.
ENDLESS_HEADERS = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
#: An answer whose body never ends.
ENDLESS_BODY_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\n"


class StallingServer:
    def __init__(self, behaviour: Behaviour, byte_every: float = 1.0) -> None:
        self.behaviour = behaviour
        self.byte_every = byte_every
        self.connections = 0
        self._stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}/hook"

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)  # the request (enough of it)
            if self.behaviour == "silent":
                self._stopped.wait()
                return
            if self.behaviour == "trickles body":
                connection.sendall(ENDLESS_BODY_HEAD)
            trickled = ENDLESS_HEADERS if self.behaviour == "trickles headers" else b"x" * 100_000
            try:
                for byte in trickled:
                    if self._stopped.wait(self.byte_every):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:  # the client gave up and closed the connection
                return
