"""The one HTTP client refuses loopback, private, link-local and metadata addresses (SSRF),
when a URL is registered and again when it connects — unless the operator allow-lists them.

Every forbidden target, at registration and at connect time, is in
tests/hostile/test_partner_urls.py; here: DNS rebinding, the allow list, redirects.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from shared import http
from tests.support.receiver import Receiver
from tests.support.settings import changed_settings


@pytest.fixture
def no_allow_list() -> Any:
    with changed_settings() as change:
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="")
        yield change


@pytest.fixture
def partner_site() -> Any:
    with Receiver() as receiver:
        yield receiver


def test_a_public_address_and_an_unresolvable_host_pass_registration(no_allow_list):
    assert http.check_url("https://93.184.215.14/hooks") == "https://93.184.215.14/hooks"
    assert http.check_url("https://partner.invalid/hooks") == "https://partner.invalid/hooks"


def test_dns_rebinding_after_registration_does_not_reach_the_private_address(
    no_allow_list, partner_site, monkeypatch
):
    """The name resolved to a public address when it was registered, then to loopback."""
    port = int(partner_site.url.rsplit(":", 1)[1].split("/")[0])
    answers = iter(["93.184.215.14", "127.0.0.1"])
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "partner.example":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://partner.example:{port}/hook"

    assert http.check_url(url) == url
    with http.client(timeout=2) as client, pytest.raises(httpx.ConnectError, match="loopback"):
        client.post(url, content=b"{}")
    assert partner_site.requests == []


def test_allow_listed_hosts_and_networks_are_reached(partner_site):
    with changed_settings() as change:
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="10.0.0.0/8, 127.0.0.0/8")
        assert http.check_url("http://10.1.2.3/hook")
        with http.client(timeout=2) as client:
            assert client.post(partner_site.url, content=b"{}").status_code == 200
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="localhost")
        local = partner_site.url.replace("127.0.0.1", "localhost")
        with http.client(timeout=2) as client:
            assert client.post(local, content=b"{}").status_code == 200
    assert len(partner_site.requests) == 2


def test_redirects_are_not_followed(partner_site):
    from tests.support.receiver import Answer

    partner_site.script.append(Answer(status=302, headers={"Location": "/elsewhere"}))
    with http.client(timeout=2) as client:
        answer = client.post(partner_site.url, content=b"{}")
    assert answer.status_code == 302
    assert [r.path for r in partner_site.requests] == ["/hook"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Sat, 01 Jan 2000 00:00:00 GMT", 0.0),  # a date already past: no wait
        ("", None),
        (None, None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
    ],
)
def test_retry_after_reads_delta_seconds_and_refuses_what_is_not(value, seconds):
    assert http.parse_retry_after(value) == seconds


def test_retry_after_as_an_http_date_counts_from_syndikats_clock(clock):
    in_ten_minutes = format_datetime(clock.now + timedelta(minutes=10), usegmt=True)

    assert http.parse_retry_after(in_ten_minutes) == 600.0
    clock.advance(minutes=4)
    assert http.parse_retry_after(in_ten_minutes) == 360.0


@pytest.mark.parametrize(("status", "seconds"), [(429, 90.0), (503, 90.0), (500, None)])
def test_only_a_429_or_503_answer_asks_to_wait(partner_site, status, seconds):
    from tests.support.receiver import Answer

    partner_site.script.append(Answer(status=status, headers={"Retry-After": "90"}))
    with http.client(timeout=2) as client:
        answer = client.post(partner_site.url, content=b"{}")
    assert http.retry_after(answer) == seconds
