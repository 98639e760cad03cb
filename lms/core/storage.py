"""The one place where the platform keeps files: lesson images today; assignment files, evidence and
background exports later.

A file is stored under a *key*, a relative path of safe parts (`course-assets/3f/3f9a...`), with
`put`, `get`, `stream` (a streamed read, for large files), `delete`, `exists` and `keys`. Two
backends implement it, chosen by setting (`storage_from_config`):

- `LocalStorage`: a directory (`LMS_STORAGE_DIR`, default `storage/` in the instance folder). Writes
  go to a temporary file that is then renamed, so a reader never sees half a file.
- `S3Storage`: a bucket of an S3-compatible object store (`LMS_STORAGE_URL=s3://bucket/prefix`, with
  `LMS_STORAGE_S3_*` for the endpoint and credentials), so that several application servers share
  one store. boto3 talks to AWS S3, MinIO, Ceph and the like.

This module knows no feature: what a key means is decided by the feature that writes it. The
database is not the storage's master: a feature writes the file first and its row after, so a
rolled-back transaction leaves at worst a file no row names, never a row without its file.
"""
from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import Flask, current_app

CHUNK = 64 * 1024
# A key is "/"-separated parts of letters, digits, ".", "_" and "-", none of them "." or "..": the
# same key is a safe relative path on every file system and a plain object name in every bucket.
_KEY_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$")
MAX_KEY_LENGTH = 512
EXTENSION = "lms.storage"


class StorageError(RuntimeError):
    """The storage cannot do what was asked (unreachable, refused, misconfigured); the message says why."""


class StorageNotFound(StorageError, KeyError):
    """No file is stored under this key."""

    def __str__(self) -> str:  # KeyError would print the repr of its argument
        return str(self.args[0]) if self.args else "not found"


def check_key(key: str) -> str:
    """The key, if it is a well-formed relative path of safe parts; ValueError otherwise."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a storage key is a non-empty text of at most {MAX_KEY_LENGTH} characters")
    if not all(_KEY_PART.match(part) and part not in (".", "..") for part in key.split("/")):
        raise ValueError(f"not a safe storage key: {key!r}")
    return key


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK):
        yield chunk


class Storage(ABC):
    """Files by key. Every method checks the key first (ValueError for a malformed one)."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        """Store `data` (bytes, or a binary file read to its end) under `key`, replacing what was there."""

    @abstractmethod
    def stream(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """The file's bytes in chunks. The file is opened at the call (StorageNotFound is raised then,
        not at the first chunk), so a page can answer 404 before it starts a response."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file under `key`; a key with no file is not an error."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """The keys that start with `prefix` (a folder such as "course-assets/"), in no set order."""

    @abstractmethod
    def describe(self) -> str:
        """Where the files are, for messages and logs (never a credential)."""

    def get(self, key: str) -> bytes:
        """The whole file (for small files; `stream` for large ones)."""
        return b"".join(self.stream(key))

    def size(self, key: str) -> int:
        """The file's length in bytes (StorageNotFound when there is none). Backends answer it without
        reading the file; this fallback reads it."""
        return sum(len(chunk) for chunk in self.stream(key))


class LocalStorage(Storage):
    """Files in a directory on this server (or on a file system the servers share)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target, then renamed over it: atomic on one file system.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in _chunks(data):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o640)  # mkstemp's 0600 would hide the file from a backup group
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def stream(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageNotFound(key) from None

        def read() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(chunk_size):
                    yield chunk

        return read()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise StorageNotFound(key)
        return path.stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".part-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def describe(self) -> str:
        return f"the directory {self.root}"


class S3Storage(Storage):
    """Objects in a bucket of an S3-compatible store, under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, client=None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url = endpoint_url
        if client is None:
            # Imported here, not at the top: boto3 costs a fifth of a second to import, and a server
            # that keeps its files in a directory never needs it.
            import boto3
            from botocore.config import Config

            # Path-style addressing for a store of one's own (MinIO, Ceph, moto): its buckets are not
            # host names. Credentials left empty come from boto3's usual chain (environment, role).
            config = Config(s3={"addressing_style": "path" if endpoint_url else "auto"},
                            retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None,
                config=config)
        self.client = client

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, exc: Exception, key: str):
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            return StorageNotFound(key)
        return StorageError(f"{self.describe()}: {type(exc).__name__}: {exc}")

    def put(self, key: str, data: bytes | BinaryIO, content_type: str | None = None) -> None:
        name, extra = self._name(key), {"ContentType": content_type} if content_type else {}
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data), **extra)
            else:  # a file: boto3 sends a large one in parts, never whole in memory
                self.client.upload_fileobj(data, self.bucket, name, ExtraArgs=extra or None)
        except Exception as exc:  # botocore's errors, whatever their class: one message for the caller
            raise self._fail(exc, key) from exc

    def stream(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        name = self._name(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except Exception as exc:
            raise self._fail(exc, key) from exc

        def read() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()

        return read()

    def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
            return True
        except Exception as exc:
            error = self._fail(exc, key)
            if isinstance(error, StorageNotFound):
                return False
            raise error from exc

    def size(self, key: str) -> int:
        name = self._name(key)
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=name)["ContentLength"])
        except Exception as exc:
            raise self._fail(exc, key) from exc

    def delete(self, key: str) -> None:
        name = self._name(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            raise self._fail(exc, key) from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start + prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(start):]
        except Exception as exc:
            raise StorageError(f"{self.describe()}: {type(exc).__name__}: {exc}") from exc

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"the bucket s3://{self.bucket}/{self.prefix}{where}"


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of an `s3://bucket/prefix` URL; ValueError when it is not one."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"expected s3://bucket/prefix, got {url!r}")
    prefix = parts.path.strip("/")
    if prefix:
        check_key(prefix)
    return parts.netloc, prefix


def storage_from_config(config) -> Storage:
    """The backend the settings ask for: S3 when STORAGE_URL is set, else the STORAGE_DIR directory."""
    url = config.get("STORAGE_URL") or ""
    if url:
        bucket, prefix = parse_s3_url(url)
        return S3Storage(bucket, prefix, endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL") or None,
                         region=config.get("STORAGE_S3_REGION") or None,
                         access_key_id=config.get("STORAGE_S3_ACCESS_KEY_ID") or None,
                         secret_access_key=config.get("STORAGE_S3_SECRET_ACCESS_KEY") or None)
    return LocalStorage(config["STORAGE_DIR"])


def init_storage(app: Flask, storage: Storage | None = None) -> Storage:
    """Give the application its storage (the configured one, unless one is handed in)."""
    app.extensions[EXTENSION] = storage or storage_from_config(app.config)
    return app.extensions[EXTENSION]


def current_storage() -> Storage:
    """The storage of the running application."""
    return current_app.extensions[EXTENSION]
