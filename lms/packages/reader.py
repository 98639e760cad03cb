"""Reading a course folder into a CourseSpec, listing every problem with its file and line."""
from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from lms.core.markdown import image_references
from lms.packages import yamlfile
from lms.packages.fields import LANGUAGE_RE, MISSING, SLUG_RE, FileReader
from lms.packages.spec import AssetSpec, ChoiceSpec, CourseSpec, LessonSpec, ModuleSpec, Problem, QuestionSpec, QuizSpec
from lms.quizzes.models import LAYOUTS, QUESTION_KINDS, REVIEW_POLICIES

NUMBERED_RE = re.compile(r"^(\d+)-(.+)$")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
COURSE_KEYS = {"slug", "title", "summary", "language", "topics", "version", "estimated_hours", "outcomes",
               "self_enrolment", "certificate_validity_months", "completion"}
QUIZ_KEYS = {"slug", "title", "final", "pass_mark", "attempts", "time_limit", "draw", "shuffle_questions",
             "shuffle_choices", "layout", "review", "questions"}
QUESTION_KEYS = {"slug", "kind", "text", "explanation", "points", "choices", "answer", "accepted", "tolerance"}
KIND_KEYS = {
    "single_choice": {"choices"}, "multiple_choice": {"choices"}, "true_false": {"answer"},
    "short_text": {"accepted"}, "numeric": {"answer", "tolerance"},
}
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n?(.*)\Z", re.S)


def fingerprint(folder: Path) -> str:
    """SHA-256 over the names and bytes of every file in the package; equal packages, equal prints."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class PackageReader:
    """Reads one course folder; `read()` gives the spec (or None) and the problems found."""

    def __init__(self, folder: Path, base: Path | None = None):
        self.folder = folder
        self.base = base or folder.parent
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def problem(self, path: Path, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.rel(path), line, message))

    def read(self) -> tuple[CourseSpec | None, list[Problem]]:
        course = self._course()
        if course is None:
            return None, self.problems
        course.modules = self._modules()
        self._check_course_wide(course)
        course.fingerprint = fingerprint(self.folder)
        return (course if not self.problems else None), self.problems

    # course.yaml -----------------------------------------------------------------------------
    def _yaml(self, path: Path, what: str):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(path, "not UTF-8 text")
            return None
        try:
            data = yamlfile.load(text)
        except yamlfile.YamlError as exc:
            self.problem(path, str(exc), exc.line)
            return None
        if not isinstance(data, yamlfile.LineDict):
            self.problem(path, f"{what} must be a YAML mapping of keys to values", 1)
            return None
        return data

    def _course(self) -> CourseSpec | None:
        path = self.folder / "course.yaml"
        if not path.is_file():
            self.problem(self.folder, "missing course.yaml")
            return None
        data = self._yaml(path, "course.yaml")
        if data is None:
            return None
        r = FileReader(self.problems, self.rel(path), data)
        r.unknown_keys(COURSE_KEYS, "course.yaml")
        slug = r.slug("slug", "course.yaml")
        if slug and slug != self.folder.name:
            r.problem(f"slug '{slug}' must equal the folder name '{self.folder.name}'", "slug")
        language = r.text("language", "course.yaml")
        if language and not LANGUAGE_RE.match(language):
            r.problem(f"'language' must be a BCP 47 tag such as en or uk, got {language!r}", "language")
        completion = data.get("completion") or yamlfile.LineDict()
        if not isinstance(completion, yamlfile.LineDict):
            r.problem("'completion' must be a mapping with 'lessons' and 'quizzes'", "completion")
            completion = yamlfile.LineDict()
        if not hasattr(completion, "lines"):
            completion.lines, completion.line = {}, data.line_of("completion")
        c = FileReader(self.problems, self.rel(path), completion)
        c.unknown_keys({"lessons", "quizzes"}, "completion")
        topics = r.text_list("topics", "course.yaml")
        for index, topic in enumerate(topics):
            if len(topic) > 60:
                r.problem(f"topic {index + 1} is longer than 60 characters", "topics")
        return CourseSpec(
            slug=slug or self.folder.name,
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
        )

    # modules, lessons, images -------------------------------------------------------------------
    def _numbered(self, path: Path) -> tuple[int, str] | None:
        stem = path.name
        for suffix in (".quiz.yaml", ".md"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
        match = NUMBERED_RE.match(stem)
        if not match or not SLUG_RE.match(match.group(2)):
            return None
        return int(match.group(1)), match.group(2)

    def _modules(self) -> list[ModuleSpec]:
        modules = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name == "course.yaml" or entry.name.startswith("."):
                continue
            if not entry.is_dir():
                self.problem(entry, "unexpected file: a course folder holds course.yaml and module folders")
                continue
            numbered = self._numbered(entry)
            if numbered is None:
                self.problem(entry, "a module folder is named NN-slug, e.g. 01-the-ibm-concept")
                continue
            module = self._module(entry, *numbered)
            if module is not None:
                modules.append(module)
        modules.sort(key=lambda m: m.position)
        if not modules:
            self.problem(self.folder, "the course has no modules")
        for index, module in enumerate(modules, start=1):
            module.position = index
        return modules

    def _module(self, folder: Path, number: int, folder_slug: str) -> ModuleSpec | None:
        path = folder / "module.yaml"
        if not path.is_file():
            self.problem(folder, "missing module.yaml")
            return None
        data = self._yaml(path, "module.yaml")
        if data is None:
            return None
        r = FileReader(self.problems, self.rel(path), data)
        r.unknown_keys({"title", "slug"}, "module.yaml")
        module = ModuleSpec(slug=r.slug("slug", "module.yaml", required=False, default=folder_slug),
                            title=r.text("title", "module.yaml", max_length=200), position=number)
        items = []
        for entry in sorted(folder.iterdir()):
            if entry.name == "module.yaml" or entry.name.startswith("."):
                continue
            if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES:
                continue  # images are read when a lesson uses them
            numbered = self._numbered(entry) if entry.is_file() else None
            if entry.name.endswith(".md") and numbered:
                lesson = self._lesson(entry, *numbered)
                if lesson:
                    items.append(lesson)
            elif entry.name.endswith(".quiz.yaml") and numbered:
                quiz = self._quiz(entry, *numbered)
                if quiz:
                    items.append(quiz)
            else:
                self.problem(entry, "unexpected file: lessons are NN-slug.md, quizzes NN-slug.quiz.yaml, "
                                    "images .png .jpg .gif .svg .webp")
        items.sort(key=lambda item: item.position)
        for index, item in enumerate(items, start=1):
            item.position = index
            (module.lessons if isinstance(item, LessonSpec) else module.quizzes).append(item)
        if not items:
            self.problem(folder, "the module has no lessons and no quizzes")
        return module

    def _lesson(self, path: Path, number: int, file_slug: str) -> LessonSpec | None:
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            self.problem(path, "not UTF-8 text")
            return None
        match = FRONT_MATTER_RE.match(text)
        if not match:
            self.problem(path, "missing front matter: start the file with ---, title:, minutes:, ---", 1)
            return None
        try:
            data = yamlfile.load(match.group(1), first_line=2)
        except yamlfile.YamlError as exc:
            self.problem(path, f"front matter {exc}", exc.line)
            return None
        if not isinstance(data, yamlfile.LineDict):
            self.problem(path, "front matter must be a mapping with title and minutes", 1)
            return None
        r = FileReader(self.problems, self.rel(path), data)
        r.unknown_keys({"title", "minutes", "slug"}, "the front matter")
        body = match.group(2).strip("\n") + "\n"
        body_line = match.group(1).count("\n") + 3
        if not body.strip():
            self.problem(path, "the lesson has no text", body_line)
        self._images(path, body, body_line)
        return LessonSpec(slug=r.slug("slug", "front matter", required=False, default=file_slug),
                          title=r.text("title", "front matter", max_length=200), position=number,
                          minutes=r.integer("minutes", "front matter", 10, required=True, minimum=0, maximum=600),
                          body=body, file=self.rel(path))

    def _images(self, path: Path, body: str, first_line: int) -> None:
        for reference in image_references(body):
            alt, src, lineno = reference.alt, reference.src, first_line + reference.line - 1
            if reference.outside:
                self.problem(path, f"image {src!r} must be a file in the package, not an outside link", lineno)
                continue
            target = (path.parent / src).resolve()
            if (path.parent.resolve() not in target.parents) or not target.is_file():
                self.problem(path, f"broken image link: {src!r} is not a file next to the lesson", lineno)
            elif target.suffix.lower() not in IMAGE_SUFFIXES:
                self.problem(path, f"{src!r} is not an image (.png .jpg .gif .svg .webp)", lineno)
            if alt is not None and not alt.strip():
                self.problem(path, f"image {src!r} has no alternative text", lineno)

    # quizzes -----------------------------------------------------------------------------------
    def _quiz(self, path: Path, number: int, file_slug: str) -> QuizSpec | None:
        data = self._yaml(path, "a quiz file")
        if data is None:
            return None
        r = FileReader(self.problems, self.rel(path), data)
        r.unknown_keys(QUIZ_KEYS, "the quiz")
        quiz = QuizSpec(
            slug=r.slug("slug", "the quiz", required=False, default=file_slug),
            title=r.text("title", "the quiz", max_length=200), position=number,
            final=r.boolean("final", "the quiz", False),
            pass_mark=r.integer("pass_mark", "the quiz", 70, minimum=0, maximum=100),
            attempts=r.integer("attempts", "the quiz", 0, minimum=0),
            time_limit=r.integer("time_limit", "the quiz", None, minimum=1),
            draw=r.integer("draw", "the quiz", None, minimum=1),
            shuffle_questions=r.boolean("shuffle_questions", "the quiz", True),
            shuffle_choices=r.boolean("shuffle_choices", "the quiz", True),
            layout=r.choice("layout", "the quiz", LAYOUTS, "all"),
            review=r.choice("review", "the quiz", REVIEW_POLICIES, "after_submit"),
            file=self.rel(path),
        )
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            r.problem("the quiz has no questions: add a 'questions' list", "questions" if "questions" in data else None)
            return quiz
        for index, item in enumerate(questions):
            if not isinstance(item, yamlfile.LineDict):
                r.problem(f"question {index + 1} must be a mapping", line=questions.line_of(index))
                continue
            question = self._question(FileReader(self.problems, self.rel(path), item), index + 1)
            if question:
                question.position_in_quiz = len(quiz.questions) + 1
                quiz.questions.append(question)
        if quiz.draw is not None and quiz.draw > len(questions):
            r.problem(f"'draw' is {quiz.draw} but the bank has only {len(questions)} questions", "draw")
        return quiz

    def _question(self, r: FileReader, number: int) -> QuestionSpec | None:
        what = f"question {number}"
        kind = r.raw("kind", True, what)
        if kind is MISSING:
            return None
        if kind not in QUESTION_KINDS:
            r.problem(f"unknown question kind {kind!r} in {what}; use one of {', '.join(QUESTION_KINDS)}", "kind")
            return None
        r.unknown_keys(QUESTION_KEYS - (set().union(*KIND_KEYS.values()) - KIND_KEYS[kind]), what)
        q = QuestionSpec(slug=r.slug("slug", what), kind=kind, text=r.text("text", what),
                         explanation=r.text("explanation", what),
                         points=r.number("points", what, 1.0, positive=True), file=r.file, line=r.data.line)
        if kind in ("single_choice", "multiple_choice"):
            q.choices = self._choices(r, what, kind)
        elif kind == "true_false":
            value = r.raw("answer", True, what)
            if isinstance(value, bool):
                q.true_false_answer = value
            elif value is not MISSING:
                r.problem(f"'answer' of a true_false question must be true or false, got {value!r}", "answer")
        elif kind == "short_text":
            q.accepted = r.text_list("accepted", what, required=True)
        elif kind == "numeric":
            q.numeric_answer = r.number("answer", what, None, required=True)
            q.tolerance = r.number("tolerance", what, 0.0, minimum=0)
        return q

    def _choices(self, r: FileReader, what: str, kind: str) -> list[ChoiceSpec]:
        raw = r.raw("choices", True, what)
        if not isinstance(raw, list):
            if raw is not MISSING:
                r.problem(f"'choices' of {what} must be a list", "choices")
            return []
        choices = []
        for index, item in enumerate(raw):
            if not isinstance(item, yamlfile.LineDict):
                r.problem(f"choice {index + 1} of {what} must have 'text' (and 'correct: true' if right)",
                          line=raw.line_of(index))
                continue
            c = FileReader(r.problems, r.file, item)
            c.unknown_keys({"text", "correct"}, f"choice {index + 1} of {what}")
            choices.append(ChoiceSpec(text=c.text("text", f"choice {index + 1} of {what}"),
                                      correct=c.boolean("correct", "choice", False)))
        correct = sum(1 for c in choices if c.correct)
        if len(raw) < 2:
            r.problem(f"{what} needs at least 2 choices", "choices")
        if kind == "single_choice" and correct != 1:
            r.problem(f"{what} is single_choice but has {correct} correct answers; it needs exactly 1", "choices")
        if kind == "multiple_choice" and correct < 1:
            r.problem(f"{what} is multiple_choice but has no correct answer", "choices")
        return choices

    # whole course ------------------------------------------------------------------------------
    def _check_course_wide(self, course: CourseSpec) -> None:
        seen: dict[tuple[str, str], str] = {}

        def unique(kind: str, slug: str, where, line: int | None = None) -> None:
            key = (kind, slug)
            where = where if isinstance(where, str) else self.rel(where)
            if slug and key in seen:
                self.problems.append(Problem(where, line, f"duplicate {kind} slug '{slug}' (also in {seen[key]})"))
            else:
                seen[key] = where + (f":{line}" if line else "")

        finals = []
        for module in course.modules:
            folder = self._module_folder(module)
            unique("module", module.slug, folder)
            for lesson in module.lessons:
                unique("lesson", lesson.slug, lesson.file)
            for quiz in module.quizzes:
                unique("quiz", quiz.slug, quiz.file)
                for question in quiz.questions:
                    unique("question", question.slug, question.file, question.line)
                if quiz.final:
                    finals.append((module, quiz))
        if len(finals) > 1:
            self.problem(self.folder, f"a course has at most one final assessment; found {len(finals)}")
        if finals:
            module, quiz = finals[0]
            if module is not course.modules[-1]:
                self.problem(self._module_folder(module), "the final assessment must be in the course's last module")
            elif module.lessons or len(module.quizzes) > 1:
                self.problem(self._module_folder(module), "the final assessment sits alone in its module")
        elif course.completion_quizzes == "final":
            self.problem(self.folder / "course.yaml", "completion needs the final assessment, but there is none")
        if not any(m.lessons or m.quizzes for m in course.modules):
            self.problem(self.folder, "the course has no lessons and no quizzes")
        course.assets = self._assets(course)

    def _module_folder(self, module: ModuleSpec) -> Path:
        for entry in self.folder.iterdir():
            numbered = self._numbered(entry) if entry.is_dir() else None
            if numbered and numbered[1] == module.slug:
                return entry
        return self.folder

    def _assets(self, course: CourseSpec) -> list[AssetSpec]:
        """Images of each module folder, kept under the module's slug so renumbering keeps links."""
        assets = []
        for module in course.modules:
            folder = self._module_folder(module)
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    assets.append(AssetSpec(path=f"{module.slug}/{path.name}", mime_type=mime, data=path.read_bytes()))
        return assets


def read_package(folder: Path, base: Path | None = None) -> tuple[CourseSpec | None, list[Problem]]:
    """Read and check one course folder; the spec is None when any problem was found."""
    return PackageReader(folder, base).read()


def package_folders(path: Path) -> list[Path]:
    """The course folders at `path`: the folder itself if it holds course.yaml, else its subfolders that do."""
    if (path / "course.yaml").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "course.yaml").is_file())
