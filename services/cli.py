"""The `syndikat` command: each service contributes its own commands."""

from __future__ import annotations

import click

from services.dashboard.cli import audit_command, users_group
from services.ingest.cli import ingest_files, sources_group
from services.ingest.interface import retention
from services.key_rotation import reencrypt_secrets
from services.publish.cli import deliveries_group, partners_group
from services.runner import run_command
from services.translate.cli import engines_group, glossary_group, models_group
from shared import db as database
from shared import migrate
from shared.config import get_settings
from shared.crypto import SecretDecryptionError
from shared.models import utcnow


@click.group()
def main() -> None:
    """Syndikat: German wire stories in, English stories out to partner sites."""


@main.group("db")
def db_group() -> None:
    """The database: its schema, stored secrets, retention."""


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


@db_group.command("prune")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def db_prune(dry_run: bool) -> None:
    """Remove what the retention settings let go (see SYNDIKAT_RETAIN_* in the README).

    The scheduler does this every ten minutes, a bounded batch at a time; this runs it now
    until nothing is left.
    """
    if dry_run:
        with database.read_session() as db:
            counts = retention.due_counts(db, utcnow())
        verb = "would be removed"
    else:
        counts = retention.prune_everything_due()
        verb = "removed"
    settings = get_settings()
    for kind in retention.KINDS:
        older = f"older than {kind.days(settings):g} days"
        click.echo(f"{kind.name} ({older}): {counts[kind.name]} {verb}")


for command in (
    sources_group,
    ingest_files,
    partners_group,
    deliveries_group,
    models_group,
    glossary_group,
    engines_group,
    users_group,
    audit_command,
    run_command,
):
    main.add_command(command)
