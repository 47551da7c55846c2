"""Watched folders: files dropped in are taken in and moved to `done/` or `error/`.

A scan claims each file by renaming it into `processing/` under a unique name: a rename is
atomic, so two scanners never read the same file, and a file is always in exactly one place.
After its stories are committed the file moves to `done/`; a file that cannot be taken in moves
to `error/` with `<file>.reason.txt` beside it. A file left in `processing/` by a scanner that
died is put back after `STALE_CLAIM` (taking it in again is safe: intake drops duplicates).

Files still being written are left alone: names starting with "." or ending in `.tmp`/`.part`,
and files changed in the last `SETTLE` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from services.ingest import source_health
from services.ingest.documents import IntakeCounts, take_document
from services.ingest.formats import MalformedDocument, UnsupportedFormat
from services.ingest.intake import Intake
from shared import db as database
from shared import ninjs
from shared.config import get_settings
from shared.models import Source, utcnow

log = logging.getLogger(__name__)

PROCESSING, DONE, ERROR = "processing", "done", "error"
#: Seconds a file must have been left unchanged before it is read.
SETTLE = 2.0
#: A claim older than this (seconds) belongs to a scanner that died.
STALE_CLAIM = 600.0
#: Files taken per scan; the rest wait for the next one.
MAX_FILES_PER_SCAN = 1000
IGNORED_SUFFIXES = (".tmp", ".part", ".reason.txt")
CLAIM_SEPARATOR = "--"


class FolderError(ValueError):
    """The folder itself is unusable (missing, outside the inbox, not a directory)."""


@dataclass
class ScanResult(IntakeCounts):
    source: str
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: Set when the folder itself could not be read.
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.source}: failed: {self.error}"
        conflicts = f", {self.conflicts} conflicting" if self.conflicts else ""
        return (
            f"{self.source}: {len(self.done)} files taken in ({self.stored} stored, "
            f"{self.duplicates} known{conflicts}), {len(self.failed)} moved to error/"
        )


def folder_path(folder: str) -> Path:
    """The absolute path of a source's folder; it must lie inside SYNDIKAT_INBOX_DIR."""
    inbox = get_settings().inbox_dir.resolve()
    path = (inbox / folder).resolve()
    if path != inbox and inbox not in path.parents:
        raise FolderError(f"folder {folder!r} is outside the inbox directory {inbox}")
    return path


def scan_folder(source_id: int, settle: float = SETTLE) -> ScanResult:
    with database.session() as db:
        source = db.get_one(Source, source_id)
        name, folder = source.name, source.folder or ""
    result = ScanResult(name)
    try:
        root = _prepare(folder)
    except FolderError as exc:
        with database.session() as db:
            source_health.mark_failure(db, db.get_one(Source, source_id), str(exc))
        result.error = str(exc)
        return result
    _recover_stale_claims(root)
    for path in _waiting_files(root, settle)[:MAX_FILES_PER_SCAN]:
        claimed = _claim(path)
        if claimed is not None:
            _take_file(source_id, root, claimed, result)
    with database.session() as db:
        source_health.mark_success(db.get_one(Source, source_id))
    return result


def _prepare(folder: str) -> Path:
    if not folder:
        raise FolderError("the source has no folder")
    root = folder_path(folder)
    if not root.is_dir():
        raise FolderError(f"folder {root} does not exist")
    for sub in (PROCESSING, DONE, ERROR):
        (root / sub).mkdir(exist_ok=True)
    return root


def _waiting_files(root: Path, settle: float) -> list[Path]:
    now = time.time()  # compared with file times, which are on the wall clock
    waiting = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith(IGNORED_SUFFIXES):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime < settle:
                    continue  # perhaps still being written
            except FileNotFoundError:
                continue  # another scanner claimed it a moment ago
            waiting.append(Path(entry.path))
    return sorted(waiting)


def _claim(path: Path) -> Path | None:
    claimed = path.parent / PROCESSING / f"{uuid.uuid4().hex[:12]}{CLAIM_SEPARATOR}{path.name}"
    try:
        path.rename(claimed)
    except FileNotFoundError:
        return None  # another scanner took it first
    return claimed


def _original_name(claimed: Path) -> str:
    return claimed.name.split(CLAIM_SEPARATOR, 1)[-1]


def _take_file(source_id: int, root: Path, claimed: Path, result: ScanResult) -> None:
    name = _original_name(claimed)
    try:
        intakes = _ingest(source_id, claimed, name)
    except (MalformedDocument, UnsupportedFormat, ninjs.InvalidStory, OSError) as exc:
        reason = _reason(exc)
        moved = _move(claimed, root / ERROR, name)
        moved.with_name(f"{moved.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
        with database.session() as db:
            source_health.record_item_error(db, source_id, name, reason)
        result.failed[name] = reason
        return
    _move(claimed, root / DONE, name)
    result.done.append(name)
    for intake in intakes:
        result.count(intake)


def _ingest(source_id: int, claimed: Path, name: str) -> list[Intake]:
    limit = get_settings().max_body_bytes
    size = claimed.stat().st_size
    if size > limit:
        raise MalformedDocument(f"the file is {size:,} bytes; the limit is {limit:,}")
    data = claimed.read_bytes()
    with database.session() as db:
        source = db.get_one(Source, source_id)
        return take_document(db, source, data, via=f"file {name}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, ninjs.InvalidStory) and exc.problems:
        return "; ".join([str(exc), *exc.problems[:5]])
    return str(exc)


def _move(claimed: Path, directory: Path, name: str) -> Path:
    """Move into `directory` as `name`, never replacing a file already there."""
    target = directory / name
    if target.exists():
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        target = directory / f"{Path(name).stem}.{stamp}-{uuid.uuid4().hex[:6]}{Path(name).suffix}"
    claimed.rename(target)
    return target


def _recover_stale_claims(root: Path) -> None:
    now = time.time()  # compared with file times, which are on the wall clock
    for claimed in (root / PROCESSING).iterdir():
        try:
            # A rename updates ctime, so ctime is when the file was claimed.
            if now - claimed.stat().st_ctime < STALE_CLAIM:
                continue
        except FileNotFoundError:
            continue  # its scanner has just moved it on
        original = root / _original_name(claimed)
        if not original.exists():
            log.warning("taking back %s, left by a scan that did not finish", claimed.name)
            with contextlib.suppress(FileNotFoundError):  # another scanner took it back first
                claimed.rename(original)
