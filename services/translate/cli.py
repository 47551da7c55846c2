"""`syndikat models …` (the local translation model), `syndikat glossary …` and
`syndikat engines …`."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from services.translate import compare, glossary
from services.translate.engines import engine_chain
from services.translate.engines_cli import engines_group  # `compare` joins it; the CLI's entry
from services.translate.model_packages import (
    DEFAULT_INDEX_URL,
    DownloadFailed,
    InstallError,
    ModelMissing,
    describe,
    install_package,
    locate_package,
)
from shared import audit, clock
from shared import db as database
from shared.config import get_settings
from shared.models import TermKind

models_group = click.Group("models", help="Install and inspect the local translation model.")

_dir_option = click.option(
    "--dir",
    "model_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Model directory (default: SYNDIKAT_MODEL_DIR, var/models/de_en).",
)


@models_group.command("install")
@_dir_option
@click.option(
    "--index-url",
    default=DEFAULT_INDEX_URL,
    show_default=True,
    help="Argos Translate package index (URL or local file).",
)
@click.option(
    "--package-url",
    default=None,
    help="Install this package instead of looking it up: URL or local .argosmodel file.",
)
def install(model_dir: Path | None, index_url: str, package_url: str | None) -> None:
    """Download the Argos Translate German→English package and unpack it (needs a network)."""
    target = model_dir or get_settings().model_dir
    click.echo(f"Installing the German→English translation model into {target} ...")
    try:
        package = install_package(
            target, package_url=package_url, index_url=index_url, progress=_Progress()
        )
    except DownloadFailed as exc:
        _fail(
            f"The translation model could not be downloaded from {exc.url} ({exc.reason}); "
            f"check the network "
            f"and run `syndikat models install` again, or unpack an Argos Translate de→en "
            f"package into {target} by hand."
        )
    except InstallError as exc:
        _fail(f"The translation model was not installed: {exc}.")
    click.echo(f"Installed {package.name} ({package.from_code}→{package.to_code}) in {target}.")


@models_group.command("info")
@_dir_option
def info(model_dir: Path | None) -> None:
    """Say whether a model is installed, and show its metadata. Exits 1 when there is none."""
    target = model_dir or get_settings().model_dir
    try:
        package = locate_package(target)
    except ModelMissing as exc:
        message = str(exc)
        _fail(message[:1].upper() + message[1:] + ".")
    click.echo(f"Translation model installed at {package.root}")
    for key, value in describe(package).items():
        click.echo(f"  {key}: {value}")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


class _Progress:
    """Download progress on stderr, one line per tenth, readable in logs as well as terminals."""

    def __init__(self) -> None:
        self.done = 0
        self.shown = 0

    def __call__(self, chunk: int, total: int | None) -> None:
        self.done += chunk
        step = (total or 0) // 10 or 10 * 1024**2  # a tenth, or every 10 MB if size unknown
        if self.done - self.shown >= step or self.done == total:
            self.shown = self.done
            of_total = f" of {total / 1024**2:.1f}" if total else ""
            click.echo(f"  {self.done / 1024**2:.1f}{of_total} MB", err=True)


glossary_group = click.Group("glossary", help="The glossary every translation follows.")


@glossary_group.command("add")
@click.argument("source")
@click.argument("target", required=False)
@click.option("--keep", is_flag=True, help="A name that is never translated (TARGET optional).")
def glossary_add(source: str, target: str | None, keep: bool) -> None:
    """Render German SOURCE always as English TARGET (or keep a name as it is)."""
    kind = TermKind.KEEP if keep else TermKind.TERM
    if not keep and not target:
        raise click.UsageError("give the English TARGET, or --keep for a name")
    with database.session() as db:
        try:
            term, version = glossary.add_term(db, source, target, kind)
        except glossary.GlossaryError as exc:
            _fail(f"Not added: {exc}.")
        after = term.as_dict() | {"glossary_version": version}
        term_target = audit.Target("glossary-term", None, term.source)
        audit.record(db, audit.cli_actor(), "glossary.add", term_target, None, after)
    click.echo(f"{term.source} → {term.target} ({term.kind}); glossary version {version}")


@glossary_group.command("remove")
@click.argument("source")
def glossary_remove(source: str) -> None:
    with database.session() as db:
        try:
            version = glossary.remove_term(db, source)
        except glossary.GlossaryError as exc:
            _fail(f"Not removed: {exc}.")
        term_target = audit.Target("glossary-term", None, source.strip())
        after = {"glossary_version": version}
        audit.record(db, audit.cli_actor(), "glossary.remove", term_target, None, after)
    click.echo(f"removed {source}; glossary version {version}")


@glossary_group.command("list")
def glossary_list() -> None:
    with database.session() as db:
        current = glossary.snapshot(db)
    click.echo(f"glossary version {current.version}, {len(current.terms)} terms")
    for term in current.terms:
        click.echo(f"{term.source}\t{term.target}\t{term.kind}")


@engines_group.command("compare")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--engines",
    "settings",
    default=None,
    help="Engines to compare, comma-separated (local, deepl, module:Class, ...); "
    "default: SYNDIKAT_ENGINE and SYNDIKAT_FALLBACK_ENGINES.",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the results as Markdown to this file.",
)
@click.option(
    "--glossary/--no-glossary",
    "use_glossary",
    default=False,
    help="Translate with this installation's glossary (reads the database), as the pipeline "
    "does; default: no glossary.",
)
def engines_compare(
    folder: Path, settings: str | None, report: Path | None, use_glossary: bool
) -> None:
    """Score engines on FOLDER's German stories against their English references.

    FOLDER holds NAME.de.json (a ninjs story) and NAME.en.txt (its English, one line per
    sentence), e.g. samples/reference/. Prints chrF and BLEU (sacrebleu), the stories the QA
    gate would hold, characters sent and seconds per engine.
    """
    try:
        stories = compare.load_references(folder)
    except compare.ReferenceError as exc:
        _fail(f"Cannot compare: {exc}")
    chosen = [s.strip() for s in (settings or "").split(",") if s.strip()]
    current = glossary.GlossarySnapshot(version=0)
    if use_glossary:
        with database.session() as db:
            current = glossary.snapshot(db)
    scores = compare.compare(chosen or engine_chain(get_settings()), stories, current)
    click.echo(compare.text_table(scores))
    if report is not None:
        when = clock.now().strftime("%Y-%m-%d %H:%M UTC")
        report.write_text(compare.markdown_report(scores, stories, folder, when), encoding="utf-8")
        click.echo(f"report written to {report}")
