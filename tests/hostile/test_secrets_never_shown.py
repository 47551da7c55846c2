"""Secrets never leave Syndikat: not in logs (at DEBUG), CLI output, API answers or stored text.

One real run of every flow that handles a secret: sources and partners registered over the CLI
and the API (webhook secrets, a rotation, WordPress credentials, other credentials), a signed
push, a signed delivery, a WordPress delivery that fails with its credentials sent, and the
management token on every API call. Then every log line, every CLI output, every API answer and
every stored text column outside the encrypted ones is searched for each secret (and the forms
it travels in: the HMAC key inside `whsec_…`, the Basic-auth header).

A feed partner's token is the one exception by design: `partners add --method feed` prints it
once, for the operator to hand over; it must appear there and nowhere else.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import String, Text, select

from services.cli import main
from services.publish import delivery
from services.translate import pipeline
from shared import logging as syndikat_logging
from shared.models import Base, Delivery
from shared.models.base import EncryptedText
from tests.support.api import API_TOKEN, management_client
from tests.support.factories import fixture_story, new_secret
from tests.support.publishing import fan_out, translated_version
from tests.support.receiver import Receiver
from tests.support.settings import changed_settings


@pytest.fixture
def everything_logged(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every log record at DEBUG and up, formatted with its traceback, from any logger."""
    lines: list[str] = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    real_handle = logging.Logger.handle

    def recording(self: logging.Logger, record: logging.LogRecord) -> Any:
        lines.append(formatter.format(record))
        return real_handle(self, record)

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(logging.Logger, "handle", recording)
    monkeypatch.setattr(syndikat_logging, "_configured", set())
    # The fixture engine writes English, so the story passes the QA gate and is delivered.
    monkeypatch.setenv("SYNDIKAT_ENGINE", "tests.support.fixture_engine:FixtureEngine")
    pipeline.configured_engine.cache_clear()
    try:
        with changed_settings() as change:
            change(SYNDIKAT_LOG_LEVEL="DEBUG")
            root.setLevel(logging.DEBUG)
            yield lines
    finally:
        root.handlers[:], root.level = handlers, level
        pipeline.configured_engine.cache_clear()


def forms_of(secret: str) -> list[str]:
    """A secret and the forms it travels in."""
    forms = [secret]
    if secret.startswith("whsec_"):
        forms.append(secret.removeprefix("whsec_"))
    return forms


def test_no_secret_appears_in_logs_outputs_answers_or_stored_text(
    db, everything_logged, monkeypatch, capfd
):
    source_cli, source_api = new_secret(), new_secret()
    partner_cli, partner_api, rotated = new_secret(), new_secret(), new_secret()
    wp_password, api_key = "wp-app-pass-Qx7 Lm2P 9zKe", "partner-api-key-7f3e9a"
    basic = base64.b64encode(f"syndikat:{wp_password}".encode()).decode()
    secrets = [source_cli, source_api, partner_cli, partner_api, rotated, wp_password, api_key]
    outputs: list[str] = []
    runner = CliRunner()

    def cli(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(main, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        return result.output

    api = management_client()

    def call(verb: str, path: str, **body: Any) -> Any:
        answer = api.open(path, method=verb, json=body or None)
        assert answer.status_code < 400, answer.get_data(as_text=True)
        outputs.append(answer.get_data(as_text=True) + json.dumps(dict(answer.headers)))
        return answer

    with Receiver() as partner_site:
        # Sources: CLI and API.
        cli("sources", "add", "wire", "--secret", source_cli, "--attribution", "Source: Stern")
        cli("sources", "show", "wire")
        cli("sources", "list")
        call("POST", "/v1/sources", name="agency", secret=source_api)
        call("GET", "/v1/sources/agency")
        # Partners: CLI (webhook, rotation, WordPress, a feed) and API.
        cli("partners", "add", "hook", "--webhook", partner_site.url, "--secret", partner_cli)
        cli("partners", "rotate-secret", "hook", "--secret", rotated)
        site = partner_site.url.removesuffix("/hook")
        wordpress = ["add-wordpress", "wp", "--wordpress", site, "--user", "syndikat"]
        cli("partners", *wordpress, stdin=f"{wp_password}\n{wp_password}\n")
        feed_token_output = cli("partners", "add", "puller", "--method", "feed")
        cli("partners", "list")
        for name in ("hook", "wp", "puller"):
            cli("partners", "show", name)
        call(
            "POST", "/v1/partners", name="apipartner", method="webhook",
            endpoint=partner_site.url, secret=partner_api, credentials={"api_key": api_key},
        )  # fmt: skip
        call("GET", "/v1/partners/apipartner")
        call("GET", "/v1/partners")
        # A signed push, and deliveries signed with the partners' secrets (and WordPress's login).
        body = json.dumps(fixture_story(uri="urn:secrets:push"))
        from services.ingest.push_client import signed_push_headers

        pushed = api.post(
            "/v1/sources/wire/stories", data=body, headers=signed_push_headers(source_cli, body)
        )
        assert pushed.status_code == 202
        outputs.append(pushed.get_data(as_text=True))
        fan_out(db, translated_version(db, source="wire"))
        for delivery_id in db.scalars(select(Delivery.id)):
            delivery.attempt(delivery_id)
        assert len(partner_site.requests) >= 2  # the webhook partners were reached
        cli("deliveries", "list")

    logs = "\n".join(everything_logged) + capfd.readouterr().err
    assert "HTTP Request: POST" in logs and "httpcore" in logs  # captured, down to DEBUG
    feed_token = feed_token_output.split("keep it): ", 1)[1].split()[0]
    shown = "\n".join(outputs)
    stored = stored_text(db)
    for secret in secrets:
        for form in forms_of(secret):
            assert form not in logs, f"a secret in the logs: {form[:6]}…"
            assert form not in shown, f"a secret in an output or answer: {form[:6]}…"
            assert form not in stored, f"a secret stored in clear: {form[:6]}…"
    for credential in (basic, API_TOKEN, feed_token):
        assert credential not in logs and credential not in stored
    assert shown.count(feed_token) == 1


def stored_text(db: Any) -> str:
    """Every text column's contents, except the encrypted ones (which are ciphertext)."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [
            c for c in table.columns
            if isinstance(c.type, String | Text) and not isinstance(c.type, EncryptedText)
        ]  # fmt: skip
        if columns:
            found += [str(row) for row in db.execute(select(*columns))]
    return "\n".join(found)
