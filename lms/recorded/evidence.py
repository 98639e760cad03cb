"""The evidence file of a recorded completion: checked, then kept in the platform's storage.

`read_evidence` is the one parser of an uploaded evidence file. It trusts neither the file name nor the
type the browser sends: the type is read from the content (a PDF begins "%PDF-", a PNG with its 8-byte
signature, a JPEG with FF D8 FF), and only those three are accepted. It reads at most `MAX_BYTES` + 1
bytes, so a larger upload costs no more than that. The file is stored under
`recorded-evidence/<random>.<ext>`: a key that names nothing about the person, written before the row
that names it (lms.core.storage); `discard` deletes it again when that row is not written after all.
"""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from lms.core.storage import current_storage

MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 200
PREFIX = "recorded-evidence"
# The accepted types: the first bytes of the content, its MIME type and the suffix of its key.
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
TYPES = {mime: suffix for _magic, mime, suffix in SIGNATURES}


class EvidenceRefused(ValueError):
    """An upload that cannot be evidence: `code` "too_large", "empty" or "wrong_type"."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Evidence:
    """An accepted evidence file: its bytes, the type read from them and the name it was uploaded with."""

    data: bytes
    mime_type: str
    name: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The MIME type of `data` read from its first bytes, if it is one of the accepted types."""
    for magic, mime, _suffix in SIGNATURES:
        if data.startswith(magic):
            return mime
    return None


def clean_name(name: str | None) -> str:
    """The uploaded file's name as shown back: its last path part, without control characters, at most
    NAME_MAX characters (the end, with the suffix, kept)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip() or "evidence"
    return name if len(name) <= NAME_MAX else name[-NAME_MAX:]


def read_evidence(stream: BinaryIO, filename: str | None) -> Evidence:
    """The upload as evidence, or EvidenceRefused: larger than MAX_BYTES, empty, or not a PDF, PNG or JPEG by
    its content."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise EvidenceRefused("too_large", megabytes=MAX_BYTES // (1024 * 1024))
    if not data:
        raise EvidenceRefused("empty")
    mime = sniff(data)
    if mime is None:
        raise EvidenceRefused("wrong_type")
    return Evidence(data, mime, clean_name(filename))


def store(evidence: Evidence) -> str:
    """Put the file in the storage under a new random key; returns the key."""
    key = f"{PREFIX}/{secrets.token_hex(16)}{TYPES[evidence.mime_type]}"
    current_storage().put(key, evidence.data, content_type=evidence.mime_type)
    return key


def discard(key: str | None) -> None:
    """Delete a stored evidence file (after a rollback, or when its person is anonymised)."""
    if key:
        current_storage().delete(key)


def stream(key: str):
    """The file's bytes in chunks (StorageNotFound at the call when it is missing)."""
    return current_storage().stream(key)
