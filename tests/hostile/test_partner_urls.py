"""Partner and feed URLs that point inside: server-side request forgery (SSRF).

Every target is refused when a partner or feed source is registered (422, nothing stored) and
again when Syndikat would connect (shared/http.py): a partner listening on loopback is the
target, so "refused" means it never got a request. No allow list in these tests, as in
production; loopback is the stand-in for every internal service.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from shared import http
from tests.hostile.conftest import changed
from tests.support.api import management_client
from tests.support.factories import new_secret
from tests.support.receiver import Answer, Receiver
from tests.support.settings import changed_settings

#: Hosts that reach this machine or its network; {port} is a live partner on 127.0.0.1.
INTERNAL = {
    "loopback": "http://127.0.0.1:{port}/hook",
    "localhost (a name resolving to loopback)": "http://localhost:{port}/hook",
    "a name the DNS answers with loopback": "http://rebound.example:{port}/hook",
    "IPv6 loopback": "http://[::1]:{port}/hook",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]:{port}/hook",
    "unspecified 0.0.0.0": "http://0.0.0.0:{port}/hook",
    "decimal IP": "http://2130706433:{port}/hook",
    "octal IP": "http://0177.0.0.1:{port}/hook",
    "hex IP": "http://0x7f.0.0.1:{port}/hook",
    "short IP": "http://127.1:{port}/hook",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "IPv4-mapped metadata": "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "private 10/8": "http://10.0.0.1/hook",
    "private 192.168/16": "http://192.168.1.1/hook",
    "carrier-grade NAT": "http://100.100.100.200/hook",
    "multicast": "http://224.0.0.1/hook",
}
NOT_HTTP = {
    "file://": "file:///etc/passwd",
    "gopher://": "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://": "ftp://example.com/x",
    "dict://": "dict://127.0.0.1:11211/stats",
    "no host": "http:///hook",
}


@pytest.fixture
def partner_site() -> Any:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def production_rules(monkeypatch: pytest.MonkeyPatch) -> Any:
    """No allow list; and one name whose DNS answer is loopback."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real_getaddrinfo("127.0.0.1" if host == "rebound.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with changed_settings() as change:
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="")
        yield


def target(url: str, partner_site: Receiver) -> str:
    return url.format(port=partner_site.url.rsplit(":", 1)[1].split("/")[0])


ALL = INTERNAL | NOT_HTTP


@pytest.mark.parametrize("url", ALL.values(), ids=ALL.keys())
def test_a_partner_at_an_internal_address_is_refused_when_registered(db_env, rows, url):
    client = management_client()
    before = rows()

    answer = client.post(
        "/v1/partners", json={"name": "p", "endpoint": url.format(port=9), "secret": new_secret()}
    )

    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_partner"
    assert error["message"].startswith(("endpoint refused", "the endpoint")), error
    assert changed(before, rows()) == {}
    assert client.get("/v1/partners").status_code == 200


@pytest.mark.parametrize("url", ALL.values(), ids=ALL.keys())
def test_a_feed_at_an_internal_address_is_refused_when_registered(db_env, rows, url):
    client = management_client()
    before = rows()

    answer = client.post(
        "/v1/sources", json={"name": "f", "kind": "rss", "url": url.format(port=9)}
    )

    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"][0].startswith("url: url")
    assert changed(before, rows()) == {}


@pytest.mark.parametrize("url", INTERNAL.values(), ids=INTERNAL.keys())
def test_a_connection_to_an_internal_address_is_refused_and_never_made(partner_site, url):
    with http.client(timeout=2) as client, pytest.raises((httpx.ConnectError, httpx.InvalidURL)):
        client.post(target(url, partner_site), content=b"{}")

    assert partner_site.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:{port}/hook",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_an_internal_address_is_never_followed(partner_site, location):
    inside = Receiver()
    with inside, changed_settings() as change:
        # Even an allow-listed address is not reached by a redirect.
        change(SYNDIKAT_ALLOW_PRIVATE_HOSTS="127.0.0.1")
        partner_site.script.append(
            Answer(status=302, headers={"Location": location.format(port=inside.url.split(":")[2])})
        )
        with http.client(timeout=2) as client:
            answer = client.post(partner_site.url, content=b"{}")

    assert answer.status_code == 302
    assert len(partner_site.requests) == 1
    assert inside.requests == []
