"""Helpers of the recorded completions' tests."""
from __future__ import annotations

import io

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def evidence_upload(data: bytes = PDF, name: str = "register.pdf"):
    """A file field's value for the test client."""
    return (io.BytesIO(data), name)
