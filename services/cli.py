"""The `syndikat` command: each service contributes its own commands."""

from __future__ import annotations

import click

from services.dashboard.cli import users_group
from services.ingest.cli import ingest_files, sources_group
from services.publish.cli import deliveries_group, partners_group
from services.runner import run_command
from services.translate.cli import glossary_group, models_group
from shared import migrate


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


for command in (
    sources_group,
    ingest_files,
    partners_group,
    deliveries_group,
    models_group,
    glossary_group,
    users_group,
    run_command,
):
    main.add_command(command)
