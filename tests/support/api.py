"""Test clients of the API app, with and without the management API's bearer token."""

from __future__ import annotations

from flask.testing import FlaskClient

#: Set as SYNDIKAT_API_TOKENS for the whole test run (tests/conftest.py), after an older token
#: that is being rotated out: both work.
API_TOKEN = "test-api-token-0123456789"
OLD_API_TOKEN = "test-api-token-being-rotated-out"
CONFIGURED_TOKENS = f"{OLD_API_TOKEN},{API_TOKEN}"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def api_client() -> FlaskClient:
    """A client of a fresh API app that sends no credentials."""
    from services.api import create_app

    return create_app({"TESTING": True}).test_client()


def management_client() -> FlaskClient:
    """A client of a fresh API app that sends the management token with every request."""
    client = api_client()
    client.environ_base["HTTP_AUTHORIZATION"] = AUTH["Authorization"]
    return client
