"""`syndikat sources …` and `syndikat ingest FILE…`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from services.ingest import polling, source_health, sources
from services.ingest.documents import take_document
from services.ingest.formats import MalformedDocument, UnsupportedFormat
from services.ingest.source_status import activity, describe, describe_all, describe_settings
from shared import audit, ninjs
from shared import db as database
from shared.models import PicturePolicy, Source, SourceKind


@click.group("sources")
def sources_group() -> None:
    """Wire sources stories come from: push endpoints, feeds, folders."""


@sources_group.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in SourceKind]), help="Default: push.")
@click.option("--url", help="The RSS/Atom feed to poll (kind rss).")
@click.option("--folder", help="The watched folder, inside SYNDIKAT_INBOX_DIR (folder kinds).")
@click.option("--secret", help="The whsec_… secret the source signs pushes with.")
@click.option("--attribution", help='Shown with every story, e.g. "Source: Stern".')
@click.option("--language", help="The language the source usually writes in (e.g. de).")
@click.option("--interval", "poll_interval_seconds", type=int, help="Seconds between polls.")
@click.option(
    "--full-text/--no-full-text",
    "fetch_full_text",
    default=None,
    help="Fetch the linked article for feed items that carry only a teaser.",
)
@click.option(
    "--quiet-after",
    "quiet_after_seconds",
    type=int,
    help="Seconds without a new story before the status says 'quiet' (default 1 day).",
)
@click.option(
    "--engine-route",
    help='Engine by story urgency, first match wins, e.g. "urgency<=2:deepl,*:local" '
    '("" clears it).',
)
@click.option(
    "--picture-policy",
    type=click.Choice([p.value for p in PicturePolicy]),
    help="A story whose picture cannot be fetched goes on 'without' it (default) or is held "
    "('hold').",
)
def add_source(name: str, **options: Any) -> None:
    """Register a source, or change the given settings of the one with this name."""
    changes = {key: value for key, value in options.items() if value is not None}
    _save(name, changes, create=True)
    click.echo(f"source {name}: saved")


@sources_group.command("enable")
@click.argument("name")
def enable_source(name: str) -> None:
    _save(name, {"enabled": True}, create=False)
    click.echo(f"source {name}: enabled")


@sources_group.command("disable")
@click.argument("name")
def disable_source(name: str) -> None:
    _save(name, {"enabled": False}, create=False)
    click.echo(f"source {name}: disabled")


def _save(name: str, changes: dict[str, Any], create: bool) -> None:
    try:
        with database.session() as db:
            stored = sources.find(db, name)
            before = describe_settings(db, stored) if stored else None
            source = sources.save_source(db, name, changes, create=create)
            db.flush()
            action = "source.create" if stored is None else "source.update"
            target = audit.Target("source", source.id, source.name)
            audit.record(
                db, audit.cli_actor(), action, target, before, describe_settings(db, source)
            )
    except sources.SourceConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@sources_group.command("list")
def list_sources() -> None:
    """Each source with its health and the stories it sent in the last 24 hours."""
    with database.session() as db:
        shown = describe_all(db, list(db.scalars(select(Source).order_by(Source.name))))
    for source in shown:
        status = source["status"]
        click.echo(
            "\t".join(
                [
                    source["name"],
                    source["kind"],
                    status["health"],
                    f"{status['items_last_24h']} in 24 h",
                    f"last item {status['last_item_at'] or '-'}",
                    source["attribution"],
                ]
            )
        )


@sources_group.command("show")
@click.argument("name")
def show_source(name: str) -> None:
    """Settings and status as JSON (never the secret)."""
    with database.session() as db:
        source = _existing(db, name)
        click.echo(json.dumps(describe(source, activity(db, [source.id])[source.id]), indent=2))


@sources_group.command("errors")
@click.argument("name")
@click.option("--limit", default=20, show_default=True)
def source_errors(name: str, limit: int) -> None:
    """What the source sent that could not be taken in, newest first."""
    with database.session() as db:
        for error in source_health.recent_errors(db, _existing(db, name).id, limit):
            seen = f"×{error.occurrences}" if error.occurrences > 1 else ""
            click.echo(
                f"{error.last_seen_at:%Y-%m-%d %H:%M:%S}\t{error.item_ref}{seen}\t{error.reason}"
            )


@sources_group.command("poll")
@click.argument("name")
def poll_now(name: str) -> None:
    """Poll a feed or scan a folder now, in this process."""
    with database.session() as db:
        source_id = _existing(db, name).id
    click.echo(polling.poll_source(source_id))


def _existing(db: Any, name: str) -> Source:
    source = sources.find(db, name)
    if source is None:
        raise click.ClickException(f"no source named {name!r}")
    return source


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--source", "source_name", required=True, help="The source the files come from.")
def ingest_files(files: tuple[Path, ...], source_name: str) -> None:
    """Take local files (ninjs, NewsML-G2, NITF) in through the same path as pushed stories."""
    failures = 0
    for path in files:
        try:
            outcomes = _ingest_file(path, source_name)
        except (ninjs.InvalidStory, MalformedDocument, UnsupportedFormat, OSError) as exc:
            failures += 1
            click.echo(f"{path}: rejected: {exc}", err=True)
            continue
        for outcome in outcomes:
            click.echo(f"{path}: {outcome}")
    if failures:
        raise SystemExit(1)


def _ingest_file(path: Path, source_name: str) -> list[str]:
    data = path.read_bytes()
    with database.session() as db:
        source = sources.find(db, source_name)
        if source is None:
            raise click.ClickException(f"no source named {source_name!r}")
        intakes = take_document(db, source, data, via=f"file {path.name}")
    return [f"story {i.story_id} version {i.version}: {i.outcome}" for i in intakes]
