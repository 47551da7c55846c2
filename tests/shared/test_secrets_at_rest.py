"""Secrets at rest: the raw database columns hold ciphertext (SQLite and PostgreSQL alike), and
keys rotate. (Secret settings are never shown: tests/shared/test_config.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from services.cli import main
from services.dashboard.users import save_user
from services.publish import feeds, registry
from shared import crypto
from shared.models import Partner, Source
from tests.support.factories import new_secret
from tests.support.settings import changed_settings

#: The key tests/conftest.py configures.
OLD_KEY = "test-secret-key-not-for-production"


def raw(db: Any, sql: str) -> Any:
    return db.execute(text(sql)).one()


def test_source_and_partner_secrets_are_ciphertext_in_the_database(db, clock):
    source_secret, old, new, password = new_secret(), new_secret(), new_secret(), "app pass 123"
    db.add(Source(name="wire", secret=source_secret))
    partner, _ = registry.create(
        db, "p", {"method": "webhook", "endpoint": "https://p.example/h", "secret": old,
                  "credentials": {"app_password": password}}, clock.now,
    )  # fmt: skip
    registry.rotate_secret(partner, new, clock.now, timedelta(hours=1))
    feed_partner, token = registry.create(db, "f", {"method": "feed"}, clock.now)
    save_user(db, "editor", "a long dashboard password")
    db.commit()

    [stored_source] = raw(db, "SELECT secret FROM sources")
    stored_secret, stored_previous, stored_credentials = raw(
        db, "SELECT secret, previous_secret, credentials FROM partners WHERE name = 'p'"
    )
    [token_hash] = raw(db, "SELECT feed_token_hash FROM partners WHERE name = 'f'")
    [password_hash] = raw(db, "SELECT password_hash FROM users")

    for stored, clear in (
        (stored_source, source_secret),
        (stored_secret, new),
        (stored_previous, old),
        (stored_credentials, f'{{"app_password": "{password}"}}'),
    ):
        assert clear not in stored and clear.removeprefix("whsec_") not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token
        assert crypto.decrypt(stored) == clear
    assert token not in token_hash and feeds.token_matches(feed_partner, token)
    assert "a long dashboard password" not in password_hash and password_hash.startswith("scrypt")


def test_the_sqlite_file_holds_no_secret(db, db_env):
    if not db_env.startswith("sqlite"):
        pytest.skip("the file check is SQLite's")
    secret = new_secret()
    db.add(Source(name="wire", secret=secret))
    db.commit()
    db.close()

    data = Path(db_env.removeprefix("sqlite:///")).read_bytes()

    assert secret.encode() not in data and secret.removeprefix("whsec_").encode() not in data


def test_a_rotated_key_still_reads_what_the_old_key_wrote(db):
    secret = new_secret()
    db.add(Source(name="wire", secret=secret))
    db.commit()
    with changed_settings() as change:
        change(SYNDIKAT_SECRET_KEY=f"a-new-key,{OLD_KEY}")
        crypto.reset_keys()
        db.expire_all()
        assert db.query(Source).one().secret == secret
        assert crypto.encrypt("x") != crypto.encrypt("x")  # the new key encrypts
    crypto.reset_keys()


def test_reencrypting_lets_the_old_key_be_retired(db):
    source_secret, partner_secret, password = new_secret(), new_secret(), "wp pass word"
    db.add(Source(name="wire", secret=source_secret))
    db.add(Partner(name="site", endpoint="https://site.example/hook", secret=partner_secret,
                   credentials=password))  # fmt: skip
    db.add(Partner(name="feed-only", method="feed"))  # no secret: left alone
    db.commit()
    written = raw(db, "SELECT secret FROM sources")[0]
    with changed_settings() as change:
        change(SYNDIKAT_SECRET_KEY=f"a-new-key,{OLD_KEY}")
        crypto.reset_keys()

        answer = CliRunner().invoke(main, ["db", "reencrypt-secrets"])

        assert answer.exit_code == 0, answer.output
        assert "3 stored secrets" in answer.output
        assert raw(db, "SELECT secret FROM sources")[0] != written
        change(SYNDIKAT_SECRET_KEY="a-new-key")  # the old key is gone
        crypto.reset_keys()
        db.expire_all()
        site = db.query(Partner).filter_by(name="site").one()
        assert db.query(Source).one().secret == source_secret
        assert (site.secret, site.credentials) == (partner_secret, password)
    crypto.reset_keys()


def test_reencrypting_with_a_key_that_reads_nothing_changes_nothing(db):
    db.add(Source(name="wire", secret=new_secret()))
    db.commit()
    written = raw(db, "SELECT secret FROM sources")[0]
    with changed_settings() as change:
        change(SYNDIKAT_SECRET_KEY="a-new-key")  # the key it was written with is missing
        crypto.reset_keys()

        answer = CliRunner().invoke(main, ["db", "reencrypt-secrets"])

    crypto.reset_keys()
    assert answer.exit_code != 0
    assert "nothing was changed" in answer.output
    assert raw(db, "SELECT secret FROM sources")[0] == written
