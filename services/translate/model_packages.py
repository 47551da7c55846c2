"""Translation model packages on disk: find one, describe it, install one.

Two layouts are read directly (no argostranslate, which would pull in torch and stanza):

* Argos Translate package: `metadata.json`, `model/` (a CTranslate2 model), `sentencepiece.model`.
* Converted OPUS-MT model: a CTranslate2 model directory (`model.bin`) with `source.spm` and
  `target.spm`, optionally a `metadata.json` giving `from_code`/`to_code`.

Either may sit in the model directory itself or in its only subdirectory, because Argos
archives unpack to `translate-de_en-1_9/`.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

from services.translate.engines.base import EngineUnavailable

#: The Argos Translate package index (argospm): a JSON list of packages with download links.
DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"

#: How to get a model; part of every "no model" message so operators know the next step.
INSTALL_HINT = (
    "install one with `syndikat models install`, or unpack an Argos Translate de→en package "
    "(or a converted OPUS-MT model) into that directory by hand"
)

#: Refuse archives that unpack to more than this (zip bombs); real packages are far smaller.
MAX_UNPACKED_BYTES = 4 * 1024**3

Layout = Literal["argos", "opus"]


class ModelMissing(EngineUnavailable):
    """No usable model package at the configured path."""


class InstallError(RuntimeError):
    """A package could not be installed; the message is meant for the operator."""


class DownloadFailed(InstallError):
    """The index or the package could not be fetched (network, HTTP error)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"could not download {url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class ModelPackage:
    root: Path
    layout: Layout
    #: The CTranslate2 model directory (holds model.bin).
    model_dir: Path
    source_spm: Path
    target_spm: Path
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def from_code(self) -> str | None:
        return self.metadata.get("from_code") or self._codes_from_name()[0]

    @property
    def to_code(self) -> str | None:
        return self.metadata.get("to_code") or self._codes_from_name()[1]

    @property
    def name(self) -> str:
        """A label for the engine name: the Argos package code when known, else the dir name."""
        meta = self.metadata
        if self.layout == "argos" and all(
            meta.get(key) for key in ("from_code", "to_code", "package_version")
        ):
            version = str(meta["package_version"]).replace(".", "_")
            return f"translate-{meta['from_code']}_{meta['to_code']}-{version}"
        return self.root.name

    def _codes_from_name(self) -> tuple[str | None, str | None]:
        # Converted OPUS-MT models rarely carry metadata, but their names do: opus-mt-de-en.
        match = re.search(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})(?![a-z])", self.root.name.lower())
        return (match.group(1), match.group(2)) if match else (None, None)


def locate_package(path: Path) -> ModelPackage:
    """The package at `path` (or in its only subdirectory); `ModelMissing` says what is wrong."""
    path = Path(path)
    if not path.is_dir():
        raise ModelMissing(f"no translation model at {path}: {INSTALL_HINT}")
    package = _read_package(path)
    subdirs = _subdirs(path)
    if package is None and len(subdirs) == 1:
        package = _read_package(subdirs[0])
    if package is None:
        raise ModelMissing(
            f"{path} does not hold a complete model package ({_missing(path)}): {INSTALL_HINT}"
        )
    return package


def _read_package(root: Path) -> ModelPackage | None:
    """The package whose files are directly in `root`, or None if the layout is not complete."""
    if (root / "model" / "model.bin").is_file() and (root / "sentencepiece.model").is_file():
        spm = root / "sentencepiece.model"
        return ModelPackage(root, "argos", root / "model", spm, spm, _read_metadata(root))
    if all((root / name).is_file() for name in ("model.bin", "source.spm", "target.spm")):
        return ModelPackage(
            root, "opus", root, root / "source.spm", root / "target.spm", _read_metadata(root)
        )
    return None


def _read_metadata(root: Path) -> dict[str, Any]:
    path = root / "metadata.json"
    if not path.is_file():
        return {}
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMissing(f"{path} is not readable JSON ({exc}): {INSTALL_HINT}") from exc
    if not isinstance(metadata, dict):
        raise ModelMissing(f"{path} is not a JSON object: {INSTALL_HINT}")
    return metadata


def _subdirs(path: Path) -> list[Path]:
    # Hidden entries are left-overs (.install-*, .DS_Store), never the package.
    return [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]


def _missing(path: Path, nested: bool = True) -> str:
    """Name the files a half-installed package lacks, so the fix is obvious."""
    if (path / "model").is_dir() or (path / "metadata.json").is_file():
        wanted = ["model/model.bin", "sentencepiece.model"]
    elif (path / "model.bin").is_file():
        wanted = ["source.spm", "target.spm"]
    elif nested and len(subdirs := _subdirs(path)) == 1:
        return f"in {subdirs[0].name}/: {_missing(subdirs[0], nested=False)}"
    else:
        return "found neither model/model.bin nor model.bin"
    absent = [name for name in wanted if not (path / name).is_file()]
    return "missing " + ", ".join(absent)


# -- installing ----------------------------------------------------------------------------------


def install_package(
    target_dir: Path,
    *,
    package_url: str | None = None,
    index_url: str = DEFAULT_INDEX_URL,
    from_code: str = "de",
    to_code: str = "en",
    progress: Callable[[int, int | None], None] | None = None,
) -> ModelPackage:
    """Fetch a package (from `package_url`, else via the index) and unpack it into `target_dir`.

    URLs may also be local paths, for offline installs and tests. The old model, if any, is
    replaced only once the new one is unpacked and validated.
    """
    target_dir = Path(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    url = package_url or find_package_url(index_url, from_code, to_code)
    with tempfile.TemporaryDirectory(dir=target_dir.parent, prefix=".install-") as work:
        archive = fetch(url, Path(work) / "package.zip", progress)
        staging = Path(work) / "unpacked"
        unpack(archive, staging)
        package = _validated(staging, from_code, to_code, url)
        _replace_dir(package.root, target_dir)
    return locate_package(target_dir)


def find_package_url(index_url: str, from_code: str, to_code: str) -> str:
    """The download link of the newest from→to package in an argospm index."""
    try:
        entries = json.loads(_read_bytes(index_url))
    except ValueError as exc:
        raise InstallError(f"{index_url} is not a JSON package index ({exc})") from exc
    if not isinstance(entries, list):
        raise InstallError(f"{index_url} is not a package index (expected a JSON list)")
    matches = [
        entry
        for entry in entries
        if isinstance(entry, dict)
        and entry.get("from_code") == from_code
        and entry.get("to_code") == to_code
    ]
    if not matches:
        raise InstallError(f"the package index {index_url} lists no {from_code}→{to_code} package")
    newest = max(matches, key=lambda entry: _version_key(entry.get("package_version", "0")))
    for link in newest.get("links", []):
        # Indexes also list ipfs:// mirrors; only what httpx (or the file system) can read counts.
        if urlsplit(link).scheme in ("http", "https", "file", ""):
            return link
    raise InstallError(f"the {from_code}→{to_code} entry in {index_url} has no usable link")


def _version_key(version: object) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", str(version)))


def _local_path(url: str) -> Path | None:
    """The file a URL names when it is a local path or file:// URL, else None."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.path)
    if len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter ("C:\\models\\...")
        return Path(url)
    return None


def _read_bytes(url: str) -> bytes:
    local = _local_path(url)
    if local is not None:
        try:
            return local.read_bytes()
        except OSError as exc:
            raise InstallError(f"cannot read {local}: {exc.strerror or exc}") from exc
    import httpx  # here, not at the top: engines import this module and never download

    try:
        response = httpx.get(url, follow_redirects=True, timeout=30.0)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DownloadFailed(url, _describe(exc)) from exc
    return response.content


def fetch(url: str, dest: Path, progress: Callable[[int, int | None], None] | None = None) -> Path:
    """The archive at `url` as a local file: local paths are used as they are."""
    local = _local_path(url)
    if local is not None:
        if not local.is_file():
            raise InstallError(f"no package archive at {local}")
        return local
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60.0) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or None
            with dest.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
                    if progress:
                        progress(len(chunk), total)
    except httpx.HTTPError as exc:
        raise DownloadFailed(url, _describe(exc)) from exc
    return dest


def _describe(exc: Exception) -> str:
    """One line for the operator: httpx's own messages can run to several."""
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return f"the server answered {exc.response.status_code} {exc.response.reason_phrase}"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a zip (.argosmodel) safely: no absolute paths, no `..`, no links, bounded size."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            total = 0
            for member in zipped.infolist():
                target = _member_path(dest, member.filename)
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if _is_symlink(member):
                    raise InstallError(f"{archive} contains a link ({member.filename}); refused")
                total += member.file_size
                if total > MAX_UNPACKED_BYTES:
                    raise InstallError(f"{archive} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except zipfile.BadZipFile as exc:
        # Typically an HTML error page or a cut-off download saved under the package's name.
        raise InstallError(f"{archive} is not a zip archive ({exc})") from exc


def _member_path(dest: Path, name: str) -> Path:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise InstallError(f"unsafe path in archive: {name!r}")
    return dest.joinpath(*parts)


def _is_symlink(member: zipfile.ZipInfo) -> bool:
    unix_mode = member.external_attr >> 16
    return (unix_mode & 0o170000) == 0o120000


def _validated(staging: Path, from_code: str, to_code: str, url: str) -> ModelPackage:
    try:
        package = locate_package(staging)
    except ModelMissing as exc:
        raise InstallError(f"{url} is not a model package ({_missing(staging)})") from exc
    if (package.from_code, package.to_code) not in ((from_code, to_code), (None, None)):
        raise InstallError(
            f"{url} translates {package.from_code}→{package.to_code}, not {from_code}→{to_code}"
        )
    return package


def _replace_dir(source: Path, target: Path) -> None:
    """Move `source` to `target`, swapping out an existing `target` only at the last moment."""
    _check_replaceable(target)
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    try:
        shutil.move(str(source), str(target))
    except BaseException:
        if old.exists() and not target.exists():
            old.rename(target)  # put the previous model back rather than leave none
        raise
    if old.exists():
        shutil.rmtree(old)


def _check_replaceable(target: Path) -> None:
    """Only an empty directory or an old model may be replaced: never delete someone's files."""
    if not target.exists() or (target.is_dir() and not any(target.iterdir())):
        return
    try:
        locate_package(target)
    except ModelMissing as exc:
        raise InstallError(
            f"{target} exists and is not a model package; remove it or choose another --dir"
        ) from exc


def describe(package: ModelPackage) -> dict[str, str]:
    """What `syndikat models info` shows: layout, paths, languages and the package metadata."""
    shown = {
        "name": package.name,
        "layout": package.layout,
        "path": str(package.root),
        "languages": f"{package.from_code or '?'} → {package.to_code or '?'}",
    }
    for key, value in sorted(package.metadata.items()):
        shown.setdefault(key, value if isinstance(value, str) else json.dumps(value))
    return shown
