"""Course packages as zip files, for the instructors' download and upload.

Uploads are untrusted: a zip is refused whole when it holds paths outside the package (absolute,
`..`, links), files of unexpected types, too many files, more uncompressed data than allowed (zip
bombs), or more YAML and text than the check reads in a few seconds; otherwise it goes through the
same check and import as `lms courses import`.
"""
from __future__ import annotations

import io
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from lms.packages.exporter import export_course
from lms.packages.reader import IMAGE_SUFFIXES, read_package
from lms.packages.spec import CourseSpec, Problem

ALLOWED_SUFFIXES = {".yaml", ".md"} | IMAGE_SUFFIXES
MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed size of one member; more is a bomb
# Bytes of text in all: of YAML, which PyYAML reads at some 200 KB a second (the five shipped courses
# hold 190 KB), and of lessons and YAML together.
MAX_YAML_BYTES = 512 * 1024
MAX_TEXT_BYTES = 8 * 1024 * 1024


def package_zip(course) -> bytes:
    """The course exported in the courses/ format, zipped with its slug as the top folder."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = export_course(course, Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(path.relative_to(folder.parent).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or ":" in name or ".." in parts or "\\" in name:
        return f"{name}: a path outside the package"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return f"{name}: links are not allowed"
    if info.is_dir():
        return None
    if PurePosixPath(name).suffix.lower() not in ALLOWED_SUFFIXES:
        return f"{name}: files of this type are not allowed (only .yaml, .md and images)"
    if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO and info.file_size > 1_000_000:
        return f"{name}: compressed suspiciously well (a zip bomb?)"
    return None


def read_zip(data: bytes) -> tuple[CourseSpec | None, list[Problem]]:
    """Check an uploaded zip and read the one course package inside it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, [Problem("upload", None, "not a zip file")]
    with archive:
        members = archive.infolist()
        problems = [Problem("upload", None, reason) for reason in filter(None, map(_unsafe, members))]
        if len(members) > MAX_FILES:
            problems.append(Problem("upload", None, f"more than {MAX_FILES} files"))
        if sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
            problems.append(Problem("upload", None, f"more than {MAX_TOTAL_BYTES // 1024 // 1024} MB uncompressed"))
        yaml_bytes = sum(m.file_size for m in members if PurePosixPath(m.filename).suffix.lower() == ".yaml")
        text_bytes = yaml_bytes + sum(m.file_size for m in members if PurePosixPath(m.filename).suffix.lower() == ".md")
        if yaml_bytes > MAX_YAML_BYTES:
            problems.append(Problem("upload", None, f"more than {MAX_YAML_BYTES // 1024} KB of YAML (.yaml files)"))
        if text_bytes > MAX_TEXT_BYTES:
            problems.append(Problem("upload", None, f"more than {MAX_TEXT_BYTES // 1024 // 1024} MB of text "
                                                    "(.yaml and .md files)"))
        if problems:
            return None, problems
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            written = written_yaml = 0
            for member in members:
                if member.is_dir():
                    continue
                target = (root / member.filename).resolve()
                if root.resolve() not in target.parents:
                    return None, [Problem("upload", None, f"{member.filename}: a path outside the package")]
                target.parent.mkdir(parents=True, exist_ok=True)
                suffix = PurePosixPath(member.filename).suffix.lower()
                with archive.open(member) as source, open(target, "wb") as out:
                    while chunk := source.read(65536):
                        written += len(chunk)
                        written_yaml += len(chunk) if suffix == ".yaml" else 0
                        # Sizes in the zip's directory can lie.
                        if written > MAX_TOTAL_BYTES or written_yaml > MAX_YAML_BYTES:
                            return None, [Problem("upload", None, "more data than the zip declares")]
                        out.write(chunk)
            folders = [p.parent for p in root.rglob("course.yaml")]
            if len(folders) != 1:
                return None, [Problem("upload", None, "the zip must hold exactly one course (one course.yaml)")]
            return read_package(folders[0], folders[0].parent)
