"""Reading a language version folder (`<course>/<lang>/`) as a package of its own: the same files, bounds and
problems as the original's, with `translation:` in its course.yaml and the original's images."""
from __future__ import annotations

from pathlib import Path

from lms.packages.reader.course import COURSE_KEYS, PackageReader
from lms.packages.spec import AssetSpec, CourseSpec
from lms.packages.versions import VersionSpec, read_translation


class VersionReader(PackageReader):
    """Reads `<course>/<lang>/` beside the original at `original`; `version()` gives the VersionSpec."""

    versions_allowed = False
    images_allowed = False
    course_keys = COURSE_KEYS | {"translation"}

    def __init__(self, folder: Path, original: Path, base: Path | None = None):
        super().__init__(folder, base or original.parent)
        self.original = original

    def expected_slug(self) -> str:
        return self.original.name

    def image_folder(self, path: Path) -> Path:
        """A version's lesson names the images of the original's module folder of the same name."""
        return self.original / path.parent.name

    def _assets(self, course: CourseSpec) -> list[AssetSpec]:
        return []

    def version(self) -> VersionSpec | None:
        """The version as read (None when its course.yaml cannot be read); problems are in `self.problems`."""
        course, _problems = self.read()
        if course is None or self.course_data is None:
            return None
        path = self.rel(self.folder / "course.yaml")
        if course.language and course.language != self.folder.name:
            from_line = self.course_data.line_of("language") if hasattr(self.course_data, "line_of") else None
            self.problem(self.folder / "course.yaml", f"'language' must be {self.folder.name!r}, the version "
                         f"folder's name, got {course.language!r}", from_line, code="language_mismatch",
                         subject="course", slug=course.slug, field="language")
        source, by, reviewed, note = read_translation(self.problems, path, self.course_data, course.slug)
        return VersionSpec(self.folder.name, source, by, reviewed, note, course)
