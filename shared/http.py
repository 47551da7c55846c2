"""The one HTTP client for calls out of Syndikat: partners, feeds, MT services.

Redirects are never followed (a partner's 3xx is a failure, and a redirect could lead anywhere)
and every request has a timeout that bounds the WHOLE request: httpx's timeouts apply to each
connect, read and write, so a server that trickles its answer a byte at a time would hold a
request (and the worker thread sending it) forever. Here the request's timeout is also its
deadline: every network read and write of the request, from the connection to the last byte
of the answer, must end before it (`ReadTimeout`/`WriteTimeout` otherwise). The threads pool
the publish worker runs on has no Celery time limits; this is what bounds a delivery.

It also guards against server-side request forgery: a URL whose host is (or resolves to) a
loopback, private, link-local, multicast, reserved or cloud-metadata address is refused — when a
partner or feed is registered (`check_url`) and again when the connection is made. The connection
goes to the very address that was checked, so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot slip through. Operators allow-list hosts or networks with
SYNDIKAT_ALLOW_PRIVATE_HOSTS (tests allow loopback).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

from shared import clock
from shared.config import get_settings

USER_AGENT = "Syndikat/0.1 (+https://github.com/syndikat/syndikat)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: The statuses whose Retry-After header is honoured (Too Many Requests, Service Unavailable).
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: IPv6 prefixes that carry an IPv4 address inside (NAT64); checked as the IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL is not one Syndikat may call: bad scheme, or a forbidden address."""


def client(timeout: float | None = None) -> httpx.Client:
    seconds = timeout if timeout is not None else get_settings().delivery_timeout_seconds
    return httpx.Client(
        timeout=httpx.Timeout(seconds),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        transport=GuardedTransport(),
        # Proxies from the environment would connect on our behalf, past the address check.
        trust_env=False,
    )


def check_url(url: str) -> str:
    """Return `url` if Syndikat may call it; raise `UnsafeURL` saying why not.

    A host that does not resolve yet is accepted: the connect-time check still applies.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(f"{url!r} is not an http(s) URL with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL(f"{url!r} has an invalid port") from exc
    try:
        addresses = resolve(parts.hostname, port)
    except socket.gaierror:
        return url
    refuse_forbidden(parts.hostname, addresses)
    return url


def resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def refuse_forbidden(host: str, addresses: Iterable[IPAddress]) -> None:
    """Raise `UnsafeURL` when any address `host` resolves to is off limits."""
    if _host_allowed(host):
        return
    for address in addresses:
        reason = forbidden_reason(address)
        if reason and not _address_allowed(address):
            shown = host if host == str(address) else f"{host} ({address})"
            raise UnsafeURL(
                f"{shown} is a {reason} address; Syndikat does not call it unless it is "
                "allow-listed in SYNDIKAT_ALLOW_PRIVATE_HOSTS"
            )


def forbidden_reason(address: IPAddress) -> str | None:
    """Why `address` must not be called (e.g. "loopback"), or None when it is public."""
    for candidate in _with_embedded_ipv4(address):
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:
            return "link-local (cloud metadata)"
        if candidate.is_private:
            return "private"
        if candidate.is_multicast:
            return "multicast"
        if candidate.is_unspecified or candidate.is_reserved or not candidate.is_global:
            return "reserved"
    return None


def _with_embedded_ipv4(address: IPAddress) -> list[IPAddress]:
    """The address and any IPv4 address hidden in it (::ffff:a.b.c.d, 6to4, NAT64)."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            found.insert(0, address.ipv4_mapped)
        if address.sixtofour:
            found.insert(0, address.sixtofour)
        if address in _NAT64:
            found.insert(0, ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _allow_list() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks = []
    for entry in get_settings().allowed_private_hosts:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def _host_allowed(host: str) -> bool:
    return host.lower().rstrip(".") in _allow_list()[0]


def _address_allowed(address: IPAddress) -> bool:
    networks = _allow_list()[1]
    return any(
        candidate.version == network.version and candidate in network
        for candidate in _with_embedded_ipv4(address)
        for network in networks
    )


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host once, checks every address, and connects to a checked one."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        try:
            refuse_forbidden(host, addresses)
        except UnsafeURL as exc:
            raise httpcore.ConnectError(f"refused: {exc}") from exc
        error: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    str(address),
                    port,
                    _within_deadline(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error


@cache
def _ssl_context() -> ssl.SSLContext:
    # Building a context loads the CA bundle; doing that once per process keeps a fan-out to
    # many partners from spending its time there.
    return ssl.create_default_context(cafile=certifi.where())


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with the address check in its connection pool's network layer."""

    def __init__(self) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx has no argument for a network backend; its pool is built the same way here.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = _deadline_of(request)
        with _deadline(deadline):
            response = super().handle_request(request)
        response.stream = _DeadlineResponseStream(response.stream, deadline)
        return response


# --- The deadline of a request ----------------------------------------------------------------
# httpcore reads and writes a connection in the thread that sends the request and, later, in the
# one that reads its answer (the same thread with a sync client). The deadline of the request
# under way is kept per thread while either happens; the connection's stream cuts every read,
# write and TLS handshake short at it.

_current = threading.local()


def _deadline_of(request: httpx.Request) -> float | None:
    """When (time.monotonic) the request must be over: its largest timeout from now."""
    timeouts = [t for t in (request.extensions.get("timeout") or {}).values() if t is not None]
    return time.monotonic() + max(timeouts) if timeouts else None


@contextmanager
def _deadline(deadline: float | None) -> Iterator[None]:
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    try:
        yield
    finally:
        _current.deadline = previous


def _within_deadline(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout`, shortened to what is left of the current request's time; `error` if none is."""
    deadline = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the request took longer than its timeout in total")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the deadline of the request using it."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineResponseStream(httpx.SyncByteStream):
    """The answer's body, read under the deadline of the request that asked for it."""

    def __init__(self, stream: Any, deadline: float | None) -> None:
        self._stream = stream
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._stream)
        while True:
            with _deadline(self._deadline):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        with _deadline(self._deadline):
            self._stream.close()


def retry_after(answer: httpx.Response) -> float | None:
    """Seconds a 429 or 503 answer asks us to wait (its Retry-After); None if it does not say."""
    if answer.status_code not in RETRY_AFTER_STATUSES:
        return None
    return parse_retry_after(answer.headers.get("retry-after"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110 10.2.3).

    None when there is no usable value; a date already past means 0.
    """
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" (RFC 5322's unknown zone); HTTP dates are GMT anyway
        when = when.replace(tzinfo=UTC)
    return max((when - (now or clock.now())).total_seconds(), 0.0)
