"""`make run` serves the dashboard beside the API, on SYNDIKAT_DASHBOARD_PORT."""

from __future__ import annotations

from sqlalchemy import select

from services import runner
from shared.config import get_settings
from tests.support import services


def test_make_run_starts_the_dashboard_on_its_port(monkeypatch):
    monkeypatch.setenv("SYNDIKAT_DASHBOARD_PORT", "8123")
    services.reset_settings()
    try:
        command = runner._processes(get_settings())["dashboard"]
    finally:
        monkeypatch.delenv("SYNDIKAT_DASHBOARD_PORT")
        services.reset_settings()
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[-1] == "services.dashboard.app:create_app()"


def test_make_run_makes_a_first_dashboard_user_with_a_kept_password(db_env, db):
    from services.dashboard import users
    from shared.models import User

    get_settings().var_dir.mkdir(parents=True)  # `syndikat run` makes it first
    demo = runner._ensure_demo_setup(get_settings())
    again = runner._ensure_demo_setup(get_settings())
    [user] = db.scalars(select(User)).all()
    assert user.name == runner.DASHBOARD_USER
    assert demo["dashboard"] == again["dashboard"]
    assert users.authenticate(db, user.name, demo["dashboard"]) is not None
