"""`syndikat sources …` and `syndikat ingest FILE…`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from services.ingest.intake import take_story
from shared import db as database
from shared import ninjs
from shared.models import Source


@click.group("sources")
def sources_group() -> None:
    """Wire sources stories come from."""


@sources_group.command("add")
@click.argument("name")
@click.option("--secret", help="The whsec_… secret the source signs pushes with.")
@click.option("--attribution", help='Shown with every story, e.g. "Source: Stern".')
@click.option("--language", help="The language the source usually writes in (e.g. de).")
def add_source(
    name: str, secret: str | None, attribution: str | None, language: str | None
) -> None:
    """Register a source, or update the one with this name."""
    if secret is not None and not secret.startswith("whsec_"):
        raise click.BadParameter(
            "a Standard Webhooks secret starts with whsec_", param_hint="--secret"
        )
    with database.session() as db:
        source = db.scalar(select(Source).where(Source.name == name))
        if source is None:
            source = Source(name=name)
            db.add(source)
        source.secret = secret or source.secret
        source.attribution = attribution or source.attribution
        source.language = language or source.language
    click.echo(f"source {name}: saved")


@sources_group.command("list")
def list_sources() -> None:
    with database.session() as db:
        for source in db.scalars(select(Source).order_by(Source.name)):
            state = "enabled" if source.enabled else "disabled"
            click.echo(f"{source.name}\t{source.kind}\t{state}\t{source.attribution_text()}")


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--source", "source_name", required=True, help="The source the files come from.")
def ingest_files(files: tuple[Path, ...], source_name: str) -> None:
    """Take local ninjs files in through the same path as pushed stories."""
    failures = 0
    for path in files:
        try:
            outcome = _ingest_file(path, source_name)
        except (ninjs.InvalidStory, ValueError, OSError) as exc:
            failures += 1
            click.echo(f"{path}: rejected: {exc}", err=True)
            continue
        click.echo(f"{path}: {outcome}")
    if failures:
        raise SystemExit(1)


def _ingest_file(path: Path, source_name: str) -> str:
    doc = json.loads(path.read_bytes())
    with database.session() as db:
        source = db.scalar(select(Source).where(Source.name == source_name))
        if source is None:
            raise click.ClickException(f"no source named {source_name!r}")
        intake = take_story(db, source, doc, via=f"file {path.name}")
    return f"story {intake.story_id} version {intake.version}: {intake.outcome}"
