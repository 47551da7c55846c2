"""Where fetched pictures are kept: a folder under var/ by default, or an S3-compatible store.

Both sides of Syndikat use it: ingest puts a picture once it is fetched and checked, publish
gets it to serve or upload it. A key names its content (`ab/cd/<sha256>.<ext>`), so a picture is
stored once however many stories, versions or wires carry it, and a key never changes content.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from shared.config import get_settings

#: The file name extension of each content type the store keeps.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
}


class MediaNotFound(KeyError):
    """The store has nothing under that key."""


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


def key_for(sha256: str, content_type: str) -> str:
    """The key of a picture: spread over two directory levels so no folder grows huge."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{EXTENSIONS.get(content_type, 'bin')}"


class FolderStore:
    """Files under `root`, written whole or not at all (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or not key:
            raise ValueError(f"media key {key!r} is outside the media folder")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A crash mid-write leaves a stray temporary file, never a truncated picture.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Store:
    """Objects in an S3 bucket (Amazon S3, MinIO, Ceph, … anything that speaks S3), via boto3."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
    ) -> None:
        import boto3  # only installations that use S3 pay for importing it

        self.bucket = bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=region or None,
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # One PUT: S3 stores an object whole or not at all.
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            raise MediaNotFound(key) from None
        return bytes(answer["Body"].read())

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def media_store() -> MediaStore:
    """The store SYNDIKAT_MEDIA_STORE names, configured from the settings."""
    settings = get_settings()
    if settings.media_store == "s3":
        return _s3_store(
            settings.s3_bucket,
            settings.s3_endpoint_url,
            settings.s3_access_key_id.get_secret_value(),
            settings.s3_secret_access_key.get_secret_value(),
            settings.s3_region,
        )
    return FolderStore(settings.media_dir)


@cache
def _s3_store(
    bucket: str, endpoint_url: str, access_key_id: str, secret_access_key: str, region: str
) -> S3Store:
    # A boto3 client is thread-safe and slow to build: one per configuration and process.
    return S3Store(bucket, endpoint_url, access_key_id, secret_access_key, region)
