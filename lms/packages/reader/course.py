"""Reading a course folder (the original, without its language versions) into a CourseSpec, listing every problem
with its file and line."""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from lms.core.markdown import image_references
from lms.core.markdown.limits import MAX_TEXT, excess
from lms.core.markdown.limits import problem as bound_problem
from lms.gradebook.models import GRADING_RULES
from lms.packages import yamlfile
from lms.packages.availability import read_available
from lms.packages.assignmentfile import read_assignment
from lms.packages.fields import LANGUAGE_RE, SLUG_RE, FileReader, slug_in
from lms.packages.practicalfile import read_practical
from lms.packages.reader.checks import check_course_wide
from lms.packages.quizfile import read_quiz
from lms.packages.spec import (
    AssetSpec, AssignmentSpec, CourseSpec, LessonSpec, ModuleSpec, PracticalSpec, Problem, QuizSpec,
)
from lms.packages.versions import is_version_folder

NUMBERED_RE = re.compile(r"^(\d+)-(.+)$")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
COURSE_KEYS = {"slug", "title", "summary", "language", "topics", "version", "estimated_hours", "outcomes",
               "self_enrolment", "certificate_validity_months", "completion", "grading"}
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n?(.*)\Z", re.S)
MAX_TOPIC = 60  # characters of one topic (the catalogue's filter column)
# Bytes of one file, checked before it is read: a YAML file (PyYAML reads some 200 KB a second; the
# largest shipped quiz is 17 KB) and a lesson (MAX_TEXT characters of up to 4 bytes, and front matter).
MAX_YAML_BYTES = 256 * 1024
MAX_LESSON_BYTES = 4 * MAX_TEXT + 64 * 1024


# Keys a package may be tempted to carry that are the platform's, not the course's.
NOT_CONTENT = frozenset({"runs", "intakes", "sessions"})
# An item file's kind by the end of its name, the most specific first ("NN-slug.assignment.md" is no lesson),
# with the reader's method for it; and the module's list each kind of item joins.
ITEM_FILES = ((".assignment.md", "_assignment"), (".practical.md", "_practical"), (".quiz.yaml", "_quiz"),
              (".md", "_lesson"))
ITEM_LISTS = {LessonSpec: "lessons", QuizSpec: "quizzes", AssignmentSpec: "assignments", PracticalSpec: "practicals"}


def item_file(name: str) -> tuple[str, str] | None:
    """(suffix, reader method) of an item file's name, or None for a name no item has."""
    return next((kind for kind in ITEM_FILES if name.endswith(kind[0])), None)



class PackageReader:
    """Reads one course folder; `read()` gives the spec (or None) and the problems found."""

    # A folder named by a language tag is a version of the course (not in a version itself), and a module
    # folder keeps the images its lessons use (a version uses the original's).
    versions_allowed = True
    images_allowed = True
    course_keys = COURSE_KEYS

    def __init__(self, folder: Path, base: Path | None = None):
        self.folder = folder
        self.base = base or folder.parent
        self.problems: list[Problem] = []
        self._folders: dict[str, Path] | None = None  # the module folders by the slug in their name
        self.course_data = None  # course.yaml as read

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def problem(self, path: Path, message: str, line: int | None = None, *, code: str, subject: str = "package",
                slug: str | None = None, field: str | None = None, **details) -> None:
        """Record a problem of a file or folder (see `Problem` for the facts besides the message)."""
        self.problems.append(Problem(self.rel(path), line, message, code=code, subject=subject, slug=slug,
                                     field=field, details=details))

    def read(self) -> tuple[CourseSpec | None, list[Problem]]:
        """The course as read (None when course.yaml cannot be read) and the problems found; the spec is given
        even with problems, so that its versions can be compared with it (`read_package` decides)."""
        course = self._course()
        if course is None:
            return None, self.problems
        course.modules = self._modules()
        check_course_wide(self, course)
        course.assets = self._assets(course)
        return course, self.problems

    def expected_slug(self) -> str:
        """The slug course.yaml must give: the folder's name."""
        return self.folder.name

    # course.yaml -----------------------------------------------------------------------------
    def _too_large(self, path: Path, limit: int, subject: str, slug: str | None) -> bool:
        """Record a problem when the file is larger than `limit` bytes (it is then not read)."""
        size = path.stat().st_size
        if size <= limit:
            return False
        self.problem(path, f"the file is larger than {limit // 1024} KB", code="file_too_large", subject=subject,
                     slug=slug, max_kb=limit // 1024)
        return True

    def _yaml(self, path: Path, what: str, subject: str, slug: str | None):
        if self._too_large(path, MAX_YAML_BYTES, subject, slug):
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(path, "not UTF-8 text", code="not_utf8", subject=subject, slug=slug)
            return None
        try:
            data = yamlfile.load(text)
        except yamlfile.YamlError as exc:
            self.problem(path, str(exc), exc.line, code="not_yaml", subject=subject, slug=slug)
            return None
        if not isinstance(data, yamlfile.LineDict):
            self.problem(path, f"{what} must be a YAML mapping of keys to values", 1, code="not_mapping",
                         subject=subject, slug=slug)
            return None
        return data

    def _course(self) -> CourseSpec | None:
        path = self.folder / "course.yaml"
        if not path.is_file():
            self.problem(self.folder, "missing course.yaml", code="missing_file")
            return None
        data = self._yaml(path, "course.yaml", "course", self.expected_slug())
        if data is None:
            return None
        self.course_data = data
        r = FileReader(self.problems, self.rel(path), data, "course", self.expected_slug())
        for key in NOT_CONTENT.intersection(data):
            # Runs and sessions belong to one platform's training calendar, not to the course: say so plainly.
            r.problem(f"'{key}' is not content: runs (intakes) and their sessions stay out of packages; add them on "
                      "the course's Runs page after the import", key, code="not_content", name=str(key))
        r.unknown_keys(self.course_keys | NOT_CONTENT, "course.yaml")
        slug = r.slug("slug", "course.yaml")
        if slug and slug != self.expected_slug():
            r.problem(f"slug '{slug}' must equal the folder name '{self.expected_slug()}'", "slug", code="slug_mismatch")
        language = r.text("language", "course.yaml")
        if language and not LANGUAGE_RE.match(language):
            r.problem(f"'language' must be a BCP 47 tag such as en or uk, got {language!r}", "language",
                      code="not_language")
        completion = data.get("completion") or yamlfile.LineDict()
        if not isinstance(completion, yamlfile.LineDict):
            r.problem("'completion' must be a mapping with 'lessons' and 'quizzes'", "completion", code="not_mapping")
            completion = yamlfile.LineDict()
        if not hasattr(completion, "lines"):
            completion.lines, completion.line = {}, data.line_of("completion")
        c = FileReader(self.problems, self.rel(path), completion, "course", self.expected_slug(), prefix="completion.")
        c.unknown_keys({"lessons", "quizzes", "assignments", "practicals"}, "completion")
        topics = r.text_list("topics", "course.yaml")
        for index, topic in enumerate(topics):
            if len(topic) > MAX_TOPIC:
                r.problem(f"topic {index + 1} is longer than {MAX_TOPIC} characters", "topics", code="topic_too_long",
                          number=index + 1, max=MAX_TOPIC)
        return CourseSpec(
            slug=slug or self.expected_slug(),
            title=r.text("title", "course.yaml", max_length=200),
            summary=r.text("summary", "course.yaml"),
            language=language,
            version=r.integer("version", "course.yaml", 1, required=True, minimum=1),
            estimated_hours=r.number("estimated_hours", "course.yaml", 1.0, required=True, positive=True),
            outcomes=r.text_list("outcomes", "course.yaml", required=True),
            topics=topics,
            self_enrolment=r.boolean("self_enrolment", "course.yaml", True),
            certificate_validity_months=r.integer("certificate_validity_months", "course.yaml", None, minimum=1),
            completion_lessons=c.choice("lessons", "completion", ("all", "none"), "all"),
            completion_quizzes=c.choice("quizzes", "completion", ("all", "final", "none"), "all"),
            completion_assignments=c.choice("assignments", "completion", ("all", "none"), "all"),
            completion_practicals=c.choice("practicals", "completion", ("all", "none"), "all"),
            grading_rule=r.choice("grading", "course.yaml", GRADING_RULES, "mean"),
        )

    # modules, lessons, images -------------------------------------------------------------------
    def _numbered(self, path: Path) -> tuple[int, str] | None:
        """(number, slug) of a module folder or an item file named NN-slug[.kind suffix], else None."""
        kind = item_file(path.name)
        stem = path.name[: -len(kind[0])] if kind else path.name
        match = NUMBERED_RE.match(stem)
        if not match or not SLUG_RE.match(match.group(2)):
            return None
        return int(match.group(1)), match.group(2)

    def _modules(self) -> list[ModuleSpec]:
        modules = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name == "course.yaml" or entry.name.startswith("."):
                continue
            if self.versions_allowed and is_version_folder(entry):
                continue  # a language version: read after the original (lms.packages.reader.read_package)
            if not entry.is_dir():
                self.problem(entry, "unexpected file: a course folder holds course.yaml and module folders",
                             code="unexpected_file")
                continue
            numbered = self._numbered(entry)
            if numbered is None:
                self.problem(entry, "a module folder is named NN-slug, e.g. 01-the-ibm-concept", code="misnamed")
                continue
            module = self._module(entry, *numbered)
            if module is not None:
                modules.append(module)
        modules.sort(key=lambda m: m.position)
        if not modules:
            self.problem(self.folder, "the course has no modules", code="no_modules", subject="course",
                         slug=self.expected_slug())
        for index, module in enumerate(modules, start=1):
            module.position = index
        return modules

    def _module(self, folder: Path, number: int, folder_slug: str) -> ModuleSpec | None:
        path = folder / "module.yaml"
        if not path.is_file():
            self.problem(folder, "missing module.yaml", code="missing_file", subject="module", slug=folder_slug)
            return None
        data = self._yaml(path, "module.yaml", "module", folder_slug)
        if data is None:
            return None
        r = FileReader(self.problems, self.rel(path), data, "module", slug_in(data, folder_slug))
        r.unknown_keys({"title", "slug"}, "module.yaml")
        module = ModuleSpec(slug=r.slug("slug", "module.yaml", required=False, default=folder_slug),
                            title=r.text("title", "module.yaml", max_length=200), position=number)
        items = []
        for entry in sorted(folder.iterdir()):
            if entry.name == "module.yaml" or entry.name.startswith("."):
                continue
            if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES:
                if not self.images_allowed:
                    self.problem(entry, "a language version holds no images: its lessons use the original's, by "
                                        "the same name", code="unexpected_file")
                continue  # images are read when a lesson uses them
            kind = item_file(entry.name) if entry.is_file() else None
            numbered = self._numbered(entry) if kind else None
            if kind and numbered:
                item = getattr(self, kind[1])(entry, *numbered)
                if item:
                    items.append(item)
            else:
                self.problem(entry, "unexpected file: lessons are NN-slug.md, quizzes NN-slug.quiz.yaml, assignments "
                                    "NN-slug.assignment.md, practical assessments NN-slug.practical.md, images .png "
                                    ".jpg .gif .svg .webp", code="unexpected_file")
        items.sort(key=lambda item: item.position)
        for index, item in enumerate(items, start=1):
            item.position = index
            getattr(module, ITEM_LISTS[type(item)]).append(item)
        if not items:
            self.problem(folder, "the module has no lessons and no quizzes", code="empty_module", subject="module",
                         slug=module.slug)
        return module

    def _front_matter(self, path: Path, about: dict, hint: str, keys: str):
        """A Markdown file's front matter (a mapping), its body and the body's first line; None after recording
        the problem when the file cannot be read so. `hint` and `keys` say what the front matter holds."""
        if self._too_large(path, MAX_LESSON_BYTES, **about):
            return None
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            self.problem(path, "not UTF-8 text", code="not_utf8", **about)
            return None
        match = FRONT_MATTER_RE.match(text)
        if not match:
            self.problem(path, f"missing front matter: start the file with ---, {hint}, ---", 1,
                         code="no_front_matter", **about)
            return None
        try:
            data = yamlfile.load(match.group(1), first_line=2)
        except yamlfile.YamlError as exc:
            self.problem(path, f"front matter {exc}", exc.line, code="not_yaml", **about)
            return None
        if not isinstance(data, yamlfile.LineDict):
            self.problem(path, f"front matter must be a mapping with {keys}", 1, code="not_mapping",
                         **about)
            return None
        return data, match.group(2).strip("\n") + "\n", match.group(1).count("\n") + 3

    def _assignment(self, path: Path, number: int, file_slug: str) -> AssignmentSpec | None:
        read = self._front_matter(path, {"subject": "assignment", "slug": file_slug}, "title:", "a title")
        if read is None:
            return None
        data, body, body_line = read
        return read_assignment(self.problems, self.rel(path), data, body, body_line, number, file_slug)

    def _practical(self, path: Path, number: int, file_slug: str) -> PracticalSpec | None:
        read = self._front_matter(path, {"subject": "practical", "slug": file_slug}, "title:, criteria:",
                                  "a title and criteria")
        if read is None:
            return None
        data, body, body_line = read
        return read_practical(self.problems, self.rel(path), data, body if body.strip() else "", body_line, number,
                              file_slug)

    def _lesson(self, path: Path, number: int, file_slug: str) -> LessonSpec | None:
        about = {"subject": "lesson", "slug": file_slug}
        read = self._front_matter(path, about, "title:, minutes:", "title and minutes")
        if read is None:
            return None
        data, body, body_line = read
        about["slug"] = slug_in(data, file_slug)
        r = FileReader(self.problems, self.rel(path), data, **about)
        r.unknown_keys({"title", "minutes", "slug", "available"}, "the front matter")
        if not body.strip():
            self.problem(path, "the lesson has no text", body_line, code="required", field="body", **about)
        found = excess(body, MAX_TEXT)
        if found and found.code == "length":
            self.problem(path, f"the lesson is longer than {MAX_TEXT} characters", body_line, code="too_long",
                         field="body", max=MAX_TEXT, **about)
        elif found:
            self.problem(path, bound_problem(found, translate=False), body_line + found.line - 1, code="markdown",
                         field="body", **found.details(), **about)
        self._images(path, body, body_line, about)
        return LessonSpec(slug=r.slug("slug", "front matter", required=False, default=file_slug),
                          title=r.text("title", "front matter", max_length=200), position=number,
                          minutes=r.integer("minutes", "front matter", 10, required=True, minimum=0, maximum=600),
                          body=body, file=self.rel(path), available=read_available(r))

    def _images(self, path: Path, body: str, first_line: int, about: dict) -> None:
        for reference in image_references(body):
            alt, src, lineno = reference.alt, reference.src, first_line + reference.line - 1
            image = {"field": "body", "src": src, **about}
            if reference.outside:
                self.problem(path, f"image {src!r} must be a file in the package, not an outside link", lineno,
                             code="image_outside", **image)
                continue
            folder = self.image_folder(path)
            target = (folder / src).resolve()
            if (folder.resolve() not in target.parents) or not target.is_file():
                self.problem(path, f"broken image link: {src!r} is not a file next to the lesson", lineno,
                             code="image_missing", **image)
            elif target.suffix.lower() not in IMAGE_SUFFIXES:
                self.problem(path, f"{src!r} is not an image (.png .jpg .gif .svg .webp)", lineno,
                             code="image_not_image", **image)
            if alt is not None and not alt.strip():
                self.problem(path, f"image {src!r} has no alternative text", lineno, code="image_no_alt", **image)

    def image_folder(self, path: Path) -> Path:
        """Where the images of the lesson at `path` are: its own module folder."""
        return path.parent

    # quizzes -----------------------------------------------------------------------------------
    def _quiz(self, path: Path, number: int, file_slug: str) -> QuizSpec | None:
        data = self._yaml(path, "a quiz file", "quiz", file_slug)
        return None if data is None else read_quiz(self.problems, self.rel(path), data, number, file_slug)

    # whole course ------------------------------------------------------------------------------
    def module_folder(self, module: ModuleSpec) -> Path:
        if self._folders is None:  # read once: looked up for each module, a package of many would be quadratic
            self._folders = {}
            for entry in self.folder.iterdir():
                numbered = self._numbered(entry) if entry.is_dir() else None
                if numbered:
                    self._folders.setdefault(numbered[1], entry)
        return self._folders.get(module.slug, self.folder)

    def _assets(self, course: CourseSpec) -> list[AssetSpec]:
        """Images of each module folder, kept under the module's slug so renumbering keeps links."""
        assets = []
        for module in course.modules:
            folder = self.module_folder(module)
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    assets.append(AssetSpec(path=f"{module.slug}/{path.name}", mime_type=mime, data=path.read_bytes()))
        return assets
