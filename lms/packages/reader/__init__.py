"""Reading a course package: the original (`course`) and its language versions (`version`), checked against
each other (`lms.packages.versions.compare`), into one CourseSpec with its fingerprint."""
from __future__ import annotations

from pathlib import Path

from lms.packages.reader.course import IMAGE_SUFFIXES, MAX_TOPIC, PackageReader
from lms.packages.reader.version import VersionReader
from lms.packages.spec import CourseSpec, Problem, fingerprint
from lms.packages.versions import MAX_VERSIONS, compare, is_version_folder

__all__ = ["IMAGE_SUFFIXES", "MAX_TOPIC", "PackageReader", "package_folders", "read_package"]


def read_package(folder: Path, base: Path | None = None) -> tuple[CourseSpec | None, list[Problem]]:
    """Read and check one course folder with its language versions; the spec is None when any problem was
    found (in the original or in a version)."""
    reader = PackageReader(folder, base)
    course, problems = reader.read()
    if course is None:
        return None, problems
    folders = sorted(p for p in folder.iterdir() if is_version_folder(p))
    if len(folders) > MAX_VERSIONS:
        reader.problem(folder, f"a course has at most {MAX_VERSIONS} language versions; found {len(folders)}",
                       code="too_many_versions", subject="course", slug=course.slug, max=MAX_VERSIONS)
        folders = folders[:MAX_VERSIONS]
    for path in folders:
        version_reader = VersionReader(path, folder, reader.base)
        version = version_reader.version()
        problems.extend(version_reader.problems)
        if version is not None:
            course.versions.append(version)
    # Compared once all are read: a version may say it was translated from any other (`ka` from `uk`).
    for version in course.versions:
        compare(course, version, reader.rel(folder), problems,
                {m.slug: reader.module_folder(m).name for m in course.modules})
    course.fingerprint = fingerprint(course)
    return (course if not problems else None), problems


def package_folders(path: Path) -> list[Path]:
    """The course folders at `path`: the folder itself if it holds course.yaml, else its subfolders that do."""
    if (path / "course.yaml").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "course.yaml").is_file())
