"""The evidence file of a recorded completion (a scanned register, a signed attendance sheet): a PDF, JPEG or
PNG of at most MAX_BYTES, checked and kept by the platform's one upload check (lms.core.uploads).

The type is read from the content, never from the name; the file is stored under
`recorded-evidence/<random>.<ext>`, a key that names nothing about the person, written before the row that
names it; `discard` deletes it again when that row is not written after all, or when its person is anonymised.
"""
from __future__ import annotations

from typing import BinaryIO

from lms.core import uploads

MAX_BYTES = 10 * 1024 * 1024
KINDS = ("pdf", "jpg", "png")
PREFIX = "recorded-evidence"

Evidence = uploads.Upload
# Codes "too_large", "empty", "wrong_type" or "archive_not_allowed" (an archive is never evidence).
EvidenceRefused = uploads.UploadRefused
discard = uploads.discard
stream = uploads.stream


def read_evidence(stream: BinaryIO, filename: str | None) -> Evidence:
    """The upload as evidence, or EvidenceRefused: larger than MAX_BYTES, empty, or not a PDF, JPEG or PNG by
    its content."""
    return uploads.read_upload(stream, filename, KINDS, MAX_BYTES)


def store(evidence: Evidence) -> str:
    """Put the file in the storage under a new random key; returns the key."""
    return uploads.store(evidence, PREFIX)
