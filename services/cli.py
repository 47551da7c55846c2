"""The `syndikat` command: each service contributes its own commands."""

from __future__ import annotations

import click

from services.dashboard.cli import users_group
from services.ingest.cli import ingest_files, sources_group
from services.publish.cli import deliveries_group, partners_group
from services.runner import run_command
from services.translate.cli import engines_group, glossary_group, models_group
from shared import db as database
from shared import migrate
from shared.crypto import SecretDecryptionError
from shared.key_rotation import reencrypt_secrets


@click.group()
def main() -> None:
    """Syndikat: German wire stories in, English stories out to partner sites."""


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrate.upgrade(revision=revision)
    click.echo("database is up to date")


@db_group.command("reencrypt-secrets")
def db_reencrypt_secrets() -> None:
    """Rewrite every stored secret under the first key of SYNDIKAT_SECRET_KEY.

    Run it after putting a new key first; afterwards the old key can be removed.
    """
    with database.session() as db:
        try:
            count = reencrypt_secrets(db)
        except SecretDecryptionError as exc:
            raise click.ClickException(f"{exc}; nothing was changed") from exc
    click.echo(f"{count} stored secrets are now encrypted under the current key")


for command in (
    sources_group,
    ingest_files,
    partners_group,
    deliveries_group,
    models_group,
    glossary_group,
    engines_group,
    users_group,
    run_command,
):
    main.add_command(command)
