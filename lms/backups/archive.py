"""The backup archive: a tar file whose members are each listed in `manifest.json` with their SHA-256
and size.

An archive is written to a temporary file beside its target (mode 0600: it holds personal data and
password hashes) and renamed over the target only when the manifest is in, so a backup that fails (a
full disk, an interrupted run) never leaves a file that looks whole. Read back, an archive is refused
whole when its manifest is missing, malformed or of a newer format, when a member is not a plain
file, when the members differ from the manifest's list, or when a member's bytes do not match its
checksum. Member names are never used as paths: members are read as streams, never extracted.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lms.core.storage import check_key

FORMAT = "lms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# The database's member, by the kind of database.
DATABASE_MEMBERS = {"sqlite": "database/lms.sqlite3", "postgresql": "database/lms.pgdump"}
FILES = "files/"  # + the storage key
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # about 400,000 files; a manifest is read whole
CHUNK = 1024 * 1024
SPOOL = 16 * 1024 * 1024  # a stored file up to this size is held in memory while it is counted and hashed
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_REVISION = re.compile(r"^[A-Za-z0-9_]{1,64}(,[A-Za-z0-9_]{1,64}){0,9}$")  # Alembic's head(s), comma-separated

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or a restore cannot go on; the message says why, on one line."""


def megabytes(size: int) -> str:
    """A size as an operator reads it in a progress line."""
    return f"{size / 1_000_000:.1f} MB"


class Ticker:
    """Progress of a long count ("files: 120 of 2500 (31.0 MB)"): a line at most every `every` seconds,
    and always the last one."""

    def __init__(self, progress: Progress, what: str, total: int, every: float = 2.0):
        self.progress, self.what, self.total, self.every = progress, what, total, every
        self.done = self.size = 0
        self.last = time.monotonic()

    def step(self, size: int = 0) -> None:
        """One more item of `size` bytes."""
        self.done += 1
        self.size += size
        now = time.monotonic()
        if self.done == self.total or now - self.last >= self.every:
            self.last = now
            self.progress(f"{self.what}: {self.done} of {self.total} ({megabytes(self.size)})")


class HashingReader:
    """A binary file read through, counting and hashing what is read (for tarfile, the storage, boto3)."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


def compression_of(path: Path) -> str:
    """"gz" for FILE.tar.gz or FILE.tgz, "" for FILE.tar; BackupError for any other name."""
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "gz"
    if name.endswith(".tar"):
        return ""
    raise BackupError(f"{path}: name the archive FILE.tar, or FILE.tar.gz to have it compressed")


class ArchiveWriter:
    """Writes an archive member by member; `finish(manifest)` adds the manifest and puts the file in
    place. Used as a context manager, which removes the unfinished file if anything goes wrong."""

    def __init__(self, path: Path):
        gz = compression_of(path)
        if path.exists():
            raise BackupError(f"{path} already exists: a backup never overwrites a file; choose another name")
        if not path.parent.is_dir():
            raise BackupError(f"{path.parent} is not a folder")
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        os.close(handle)  # created with mode 0600; tarfile opens it again by name, keeping the mode
        self.path, self.temporary = path, Path(temporary)
        self.members: dict[str, dict] = {}
        extra = {"compresslevel": 6} if gz else {}  # 9 costs twice the time for a few per cent
        self.tar = tarfile.open(self.temporary, "w:gz" if gz else "w", format=tarfile.PAX_FORMAT, **extra)
        self.finished = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *_exc) -> None:
        if not self.finished:
            try:
                self.tar.close()
            finally:
                self.temporary.unlink(missing_ok=True)

    def _add(self, name: str, size: int, source: BinaryIO) -> dict:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        reader = HashingReader(source)
        self.tar.addfile(info, reader)
        if reader.size != size:  # tarfile reads exactly `size` bytes, and fails on fewer
            raise BackupError(f"{name}: read {reader.size} bytes where {size} were expected")
        self.members[name] = {"sha256": reader.hexdigest(), "size": size}
        return self.members[name]

    def add_file(self, name: str, source: Path) -> dict:
        """Add a file of this machine as member `name`; its checksum and size."""
        with source.open("rb") as handle:
            return self._add(name, os.fstat(handle.fileno()).st_size, handle)

    def add_chunks(self, name: str, chunks: Iterable[bytes]) -> dict:
        """Add a stream of unknown length (a stored file) as member `name`; its checksum and size."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
            for chunk in chunks:
                spool.write(chunk)
            size = spool.tell()
            spool.seek(0)
            return self._add(name, size, spool)

    def finish(self, manifest: dict) -> int:
        """Add `manifest` with the members' checksums, and rename the archive into place; its size."""
        data = json.dumps({**manifest, "members": self.members}, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        self.tar.addfile(info, _BytesReader(data))
        self.tar.close()
        with self.temporary.open("rb") as handle:
            os.fsync(handle.fileno())  # on disk before it takes the name that says it is whole
        os.replace(self.temporary, self.path)
        self.finished = True
        return self.path.stat().st_size


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk


@dataclass(frozen=True)
class Manifest:
    """What an archive says it holds."""

    kind: str  # "sqlite" or "postgresql"
    revision: str  # the Alembic revision of the schema
    tables: dict[str, int]  # rows per table, as counted in the copy
    members: dict[str, dict]  # name -> {"sha256", "size"}
    created_at: str  # ISO 8601
    platform_version: str
    data: dict  # the whole manifest, as read

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.kind]

    @property
    def files(self) -> list[str]:
        """The storage keys of the files in the archive."""
        return sorted(name[len(FILES):] for name in self.members if name.startswith(FILES))


def _invalid(what: str) -> BackupError:
    return BackupError(f"the archive's manifest is not valid ({what}); nothing was restored")


def parse_manifest(raw: bytes) -> Manifest:
    """The manifest, checked; BackupError when it is not one this version can read."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise _invalid("not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("not a backup archive of the platform (its manifest is of another format)")
    version = data.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _invalid("format_version")
    if version > FORMAT_VERSION:
        raise BackupError(f"the archive is of format {version}, made by a newer version of the platform "
                          f"(this one reads format {FORMAT_VERSION}); nothing was restored")
    database, tables, members = data.get("database"), data.get("tables"), data.get("members")
    if not isinstance(database, dict) or database.get("kind") not in DATABASE_MEMBERS:
        raise _invalid("database.kind")
    if not isinstance(database.get("schema_revision"), str) or not _REVISION.match(database["schema_revision"]):
        raise _invalid("database.schema_revision")
    if not isinstance(tables, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in tables.items()):
        raise _invalid("tables")
    if not isinstance(members, dict):
        raise _invalid("members")
    for name, facts in members.items():
        if not (isinstance(facts, dict) and isinstance(facts.get("sha256"), str) and _SHA256.match(facts["sha256"])
                and type(facts.get("size")) is int and facts["size"] >= 0):
            raise _invalid(f"the checksum of {name!r}")
        if name.startswith(FILES):
            try:
                check_key(name[len(FILES):])
            except ValueError:
                raise _invalid(f"{name!r} is not a storage key") from None
        elif name != DATABASE_MEMBERS[database["kind"]]:
            raise _invalid(f"unexpected member {name!r}")
    if DATABASE_MEMBERS[database["kind"]] not in members:
        raise _invalid("no database")
    for field in ("created_at", "platform_version"):
        if not isinstance(data.get(field), str):
            raise _invalid(field)
    return Manifest(database["kind"], database["schema_revision"], tables, members, data["created_at"],
                    data["platform_version"], data)


class ArchiveReader:
    """An archive opened for reading: its manifest, a check of every member, and members as streams."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:*")
            self.infos = {info.name: info for info in self.tar.getmembers()}
        except FileNotFoundError:
            raise BackupError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise BackupError(f"{path} is a folder, not a backup archive") from None
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            if isinstance(exc, OSError) and exc.strerror:  # unreadable (permissions...): said as such by the CLI
                raise
            raise BackupError(f"{path} is not a backup archive of the platform, or is damaged "
                              f"(not a readable tar file: {exc})") from None
        self.manifest = self._manifest()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_exc) -> None:
        self.tar.close()

    def _manifest(self) -> Manifest:
        info = self.infos.get(MANIFEST)
        if info is None or not info.isreg():
            raise BackupError(f"{self.path} is not a backup archive of the platform (it has no {MANIFEST})")
        if info.size > MAX_MANIFEST_BYTES:
            raise _invalid(f"larger than {megabytes(MAX_MANIFEST_BYTES)}")
        return parse_manifest(self.tar.extractfile(info).read())

    def verify(self, progress: Progress) -> None:
        """Read every member and compare it with the manifest: BackupError at the first difference."""
        expected = self.manifest.members
        extra = sorted(set(self.infos) - set(expected) - {MANIFEST})
        if extra:
            raise BackupError(f"the archive holds {extra[0]!r}, which its manifest does not list; nothing was restored")
        missing = sorted(set(expected) - set(self.infos))
        if missing:
            raise BackupError(f"the archive lacks {len(missing)} member(s) that its manifest lists, such as "
                              f"{missing[0]!r}; nothing was restored")
        ticker = Ticker(progress, "checking", len(expected))
        for info in self.tar.getmembers():  # in the archive's order: a compressed archive is read once through
            if info.name == MANIFEST:
                continue
            if not info.isreg():
                raise BackupError(f"the archive's member {info.name!r} is not a plain file; nothing was restored")
            if self.infos[info.name] is not info:
                raise BackupError(f"the archive holds {info.name!r} twice; nothing was restored")
            reader = HashingReader(self.tar.extractfile(info))
            while reader.read(CHUNK):
                pass
            self.check(info.name, reader)
            ticker.step(reader.size)

    def check(self, name: str, reader: HashingReader) -> None:
        """BackupError unless what `reader` read of member `name` is what the manifest says."""
        facts = self.manifest.members[name]
        if reader.size != facts["size"] or reader.hexdigest() != facts["sha256"]:
            raise BackupError(f"the archive is damaged: {name} does not match its checksum in the manifest; "
                              "nothing was restored")

    def open(self, name: str) -> BinaryIO:
        """Member `name` as a binary stream."""
        return self.tar.extractfile(self.infos[name])
