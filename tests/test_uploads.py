"""The one check of uploaded work and evidence (lms.core.uploads): the type from the content, the size bound,
archives only where allowed, scripted PDFs flagged, names made safe."""
from __future__ import annotations

import io
import zipfile

import pytest

from lms.core.uploads import UploadRefused, clean_name, parse_kinds, read_upload, unknown_kinds

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SCRIPTED_PDF = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx() -> bytes:
    """A minimal Word document (a zip with the parts that say so)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def read(data: bytes, name: str, allowed="pdf,docx", max_bytes=1024 * 1024):
    return read_upload(io.BytesIO(data), name, allowed, max_bytes)


def test_the_type_comes_from_the_content_not_the_name():
    assert read(PDF, "plan.pdf").kind.name == "pdf"
    assert read(docx(), "plan.docx").kind.name == "docx"
    assert read(PDF, "plan.docx").name == "plan.docx.pdf"  # the name says what it really is
    with pytest.raises(UploadRefused) as refused:
        read(EXE, "plan.pdf")  # an .exe named .pdf
    assert refused.value.code == "wrong_type" and refused.value.params == {"allowed": "pdf, docx"}


def test_an_archive_passes_only_where_allowed():
    with pytest.raises(UploadRefused) as refused:
        read(plain_zip(), "work.zip")
    assert refused.value.code == "archive_not_allowed"
    assert read(plain_zip(), "work.zip", allowed="pdf,zip").kind.name == "zip"


def test_size_and_emptiness_are_bounded():
    with pytest.raises(UploadRefused) as refused:
        read(PDF + b"x" * 2000, "big.pdf", max_bytes=1000)
    assert refused.value.code == "too_large"
    with pytest.raises(UploadRefused) as refused:
        read(b"", "empty.pdf")
    assert refused.value.code == "empty"


def test_a_pdf_with_javascript_is_kept_but_flagged():
    assert read(SCRIPTED_PDF, "form.pdf").scripted is True
    assert read(PDF, "plain.pdf").scripted is False


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
    ("..hidden.pdf", "hidden.pdf"),
    ("pla\x00n\u202e.pdf", "plan.pdf"),
    ("", "file.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_names_are_made_safe(given, kept):
    from lms.core.uploads import KINDS

    assert clean_name(given, KINDS["pdf"]) == kept


def test_settings_name_known_kinds():
    assert parse_kinds(" PDF, docx ,exe") == ("pdf", "docx")
    assert unknown_kinds("pdf, exe, ") == ["exe"]
