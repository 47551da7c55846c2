"""Where fetched pictures' bytes live: one object per content hash, behind a small interface.

(Minimal folder store; the pictures-in branch brings the full one with S3.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from shared.config import get_settings

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


def key_for(sha256: str, content_type: str) -> str:
    """`ab/cd/<sha256>.<ext>`: two levels of folders keep directories small."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{EXTENSIONS.get(content_type, 'bin')}"


class FolderStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a picture.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"media key {key!r} leaves the store")
        return path


def media_store() -> MediaStore:
    return FolderStore(get_settings().media_dir)
