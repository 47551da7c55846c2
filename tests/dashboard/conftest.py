"""A dashboard app on the test database, a signed-in client, and a way to get CSRF tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.dashboard.app import create_app
from services.dashboard.users import save_user
from tests.support.dashboard import PASSWORD, csrf_token, sign_in

#: Tests move the `clock` years past the wall-clock time they signed in at; idle expiry has
#: its own tests (test_sessions.py), which set the real setting back.
NO_IDLE_EXPIRY = 60 * 24 * 365 * 100


@pytest.fixture
def app(db_env: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "DASHBOARD_SESSION_IDLE_MINUTES": NO_IDLE_EXPIRY,
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def editor(db: Any) -> str:
    save_user(db, "editor", PASSWORD)
    db.commit()
    return "editor"


@pytest.fixture
def signed_in(client: FlaskClient, editor: str) -> FlaskClient:
    answer = sign_in(client, editor)
    assert answer.status_code == 302, answer.text
    return client


@pytest.fixture
def post(signed_in: FlaskClient):  # type: ignore[no-untyped-def]
    """POST a form as the signed-in editor would: with the page's CSRF token."""

    def send(path: str, **form: Any) -> Any:
        return signed_in.post(path, data={"csrf_token": csrf_token(signed_in)} | form)

    return send
