"""Files people upload as work or evidence (assignments, marks' feedback, practicals' evidence): the one check.

`read_upload` trusts neither the file's name nor the type the browser sends. It reads at most the allowed
size plus one byte (a larger upload costs no more than that), then reads the type from the content with
`filetype` (the signatures of PDF, office documents inside their zip, images, archives): an `.exe` named
`report.pdf` is refused, whatever it is called. Only the kinds the caller allows pass; an archive passes only
where it is allowed, and the platform never unpacks it. A PDF that carries JavaScript is accepted (officers'
forms often do) but flagged, and is only ever served as a download, never shown inline.

The name is kept only to be shown back: its last path part, without control characters or leading dots, at
most NAME_MAX characters. The file is stored under `<prefix>/<random>.<suffix>`, a key naming nothing of the
person, written before the row that names it (lms.core.storage); `discard` deletes it when that row is not
written after all.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import filetype

from lms.core.storage import current_storage

NAME_MAX = 200


@dataclass(frozen=True)
class Kind:
    """A kind of file: its name in settings ("pdf"), the MIME type served, the suffix stored, the extensions
    `filetype` reports for it, and whether it is an archive."""

    name: str
    mime_type: str
    suffix: str
    extensions: tuple[str, ...]
    archive: bool = False
    image: bool = False


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("pdf", "application/pdf", ".pdf", ("pdf",)),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", ("docx",)),
    Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", ("xlsx",)),
    Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", ("pptx",)),
    Kind("odt", "application/vnd.oasis.opendocument.text", ".odt", ("odt",)),
    Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", ".ods", ("ods",)),
    Kind("odp", "application/vnd.oasis.opendocument.presentation", ".odp", ("odp",)),
    Kind("jpg", "image/jpeg", ".jpg", ("jpg",), image=True),
    Kind("png", "image/png", ".png", ("png",), image=True),
    Kind("webp", "image/webp", ".webp", ("webp",), image=True),
    Kind("zip", "application/zip", ".zip", ("zip",), archive=True),
    Kind("7z", "application/x-7z-compressed", ".7z", ("7z",), archive=True),
)}
_BY_EXTENSION = {extension: kind for kind in KINDS.values() for extension in kind.extensions}
# A PDF's name of an action that runs script: the key /JavaScript or /JS, as a name token.
_PDF_SCRIPT = re.compile(rb"/(?:JavaScript|JS)(?![A-Za-z0-9])")


class UploadRefused(ValueError):
    """An upload that cannot be kept: `code` "too_large", "empty", "wrong_type" or "archive_not_allowed",
    with the parameters its message needs (`megabytes`, `allowed`)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Upload:
    """An accepted file: its bytes, its kind (read from them), the name it was uploaded with (made safe), and
    whether it is a PDF carrying JavaScript."""

    data: bytes
    kind: Kind
    name: str
    scripted: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def mime_type(self) -> str:
        return self.kind.mime_type

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def parse_kinds(value: str | Iterable[str]) -> tuple[str, ...]:
    """The known kinds named in a setting ("pdf, docx,zip" or a list), lower-cased, in KINDS' order; unknown
    names are dropped (the forms and the package check refuse them before)."""
    names = value.split(",") if isinstance(value, str) else value
    wanted = {name.strip().lower() for name in names}
    return tuple(name for name in KINDS if name in wanted)


def unknown_kinds(value: str | Iterable[str]) -> list[str]:
    """The names in a setting that are not kinds of file the platform knows (for a clear message)."""
    names = value.split(",") if isinstance(value, str) else value
    return [name.strip() for name in names if name.strip() and name.strip().lower() not in KINDS]


def kind_of(data: bytes) -> Kind | None:
    """The kind of `data` read from its content, if it is one the platform knows."""
    guess = filetype.guess(data)
    return _BY_EXTENSION.get(guess.extension) if guess is not None else None


def clean_name(name: str | None, kind: Kind | None = None, fallback: str = "file") -> str:
    """The uploaded file's name as shown back: its last path part, without control characters, slashes or
    leading dots, at most NAME_MAX characters (the end kept); the kind's suffix added when it is missing."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ").strip().lstrip(".")
    name = name or fallback
    if kind is not None and not name.lower().endswith(kind.suffix) and not (
            kind.name == "jpg" and name.lower().endswith(".jpeg")):
        name = name[:NAME_MAX - len(kind.suffix)] + kind.suffix
    return name if len(name) <= NAME_MAX else name[-NAME_MAX:]


def read_upload(stream: BinaryIO, filename: str | None, allowed: Iterable[str], max_bytes: int) -> Upload:
    """The upload as a kept file, or UploadRefused: larger than `max_bytes`, empty, not one of the `allowed`
    kinds by its content (an archive where none is allowed: "archive_not_allowed")."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused("too_large", megabytes=max(1, max_bytes // (1024 * 1024)))
    if not data:
        raise UploadRefused("empty")
    allowed = parse_kinds(allowed)
    kind = kind_of(data)
    if kind is None or kind.name not in allowed:
        code = "archive_not_allowed" if kind is not None and kind.archive else "wrong_type"
        raise UploadRefused(code, allowed=", ".join(allowed))
    scripted = kind.name == "pdf" and _PDF_SCRIPT.search(data) is not None
    return Upload(data, kind, clean_name(filename, kind), scripted)


def store(upload: Upload, prefix: str) -> str:
    """Put the file in the storage under a new random key beneath `prefix`; returns the key."""
    key = f"{prefix}/{secrets.token_hex(16)}{upload.kind.suffix}"
    current_storage().put(key, upload.data, upload.mime_type)
    return key


def discard(key: str | None) -> None:
    """Delete a stored file (a row naming it was not written, or was deleted); nothing if there is none."""
    if key:
        current_storage().delete(key)


def stream(key: str):
    """The stored file's bytes in chunks (StorageNotFound at the call when it is missing)."""
    return current_storage().stream(key)
