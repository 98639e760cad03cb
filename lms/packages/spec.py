"""The parsed form of a course package: plain dataclasses, independent of the database, and the
fingerprint of their content."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass
class Problem:
    """One thing wrong with a package, as facts that each surface words in its own terms.

    For package authors (`lms courses check`, the upload report): the file relative to the courses
    folder, the line, and `message`, in the package's own words (`str(problem)`). For everyone else, the
    same problem about the course itself: the object it is about (`subject`: "course", "module",
    "lesson", "quiz", "question", or "package" for the files and folders themselves) and that object's
    `slug`; the `field`, named by its package key ("outcomes", "draw", "explanation"; "completion.quizzes"
    inside a mapping); a `code` naming the rule broken ("required", "too_long", "draw_exceeds_bank"...);
    and the `details` the wording needs ({"max": 200}). The authoring pages render these, never `message`.
    """

    file: str
    line: int | None
    message: str
    code: str = "invalid"
    subject: str = "package"
    slug: str | None = None
    field: str | None = None
    details: dict = dataclasses.field(default_factory=dict)  # `field` above is the problem's own

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class ChoiceSpec:
    text: str
    correct: bool = False


@dataclass
class QuestionSpec:
    slug: str
    kind: str
    text: str
    explanation: str
    points: float = 1.0
    choices: list[ChoiceSpec] = field(default_factory=list)
    true_false_answer: bool | None = None
    accepted: list[str] = field(default_factory=list)
    numeric_answer: float | None = None
    tolerance: float = 0.0
    file: str = ""  # where it was read from, for problem reports
    line: int | None = None
    position_in_quiz: int = 0


@dataclass
class AfterSpec:
    """One item or course an item waits for (`available: after:`): a lesson read, a quiz passed (with at
    least `score` %), or a course completed; named by slug."""

    kind: str  # "lesson" | "quiz" | "course"
    slug: str
    score: int | None = None
    line: int | None = None


@dataclass
class AvailableSpec:
    """When an item opens (`available:` of a lesson or a quiz): after every `after`, and from one date, an
    ISO day (`opens_on`) or a number of days after the run's start."""

    after: list[AfterSpec] = field(default_factory=list)
    opens_on: str | None = None  # YYYY-MM-DD: text, so that the fingerprint can write it
    days_after_start: int | None = None
    line: int | None = None


@dataclass
class QuizSpec:
    slug: str
    title: str
    position: int
    final: bool = False
    pass_mark: int = 70
    attempts: int = 0
    time_limit: int | None = None
    draw: int | None = None
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    layout: str = "all"
    review: str = "after_submit"
    # Answers received late after an outage count at once (practice quizzes).
    accept_late_answers: bool = False
    questions: list[QuestionSpec] = field(default_factory=list)
    file: str = ""
    available: AvailableSpec | None = None


@dataclass
class CriterionSpec:
    """One criterion of a practical's checklist, matched by slug on a re-import."""

    slug: str
    text: str
    critical: bool = False


@dataclass
class PracticalSpec:
    """A practical assessment (`NN-slug.practical.md`): settings, criteria and the instructions (the body)."""

    slug: str
    title: str
    position: int
    pass_mark: int = 100
    hold_marks: bool = False
    instructions: str = ""
    criteria: list[CriterionSpec] = field(default_factory=list)
    file: str = ""


@dataclass
class LessonSpec:
    slug: str
    title: str
    position: int
    minutes: int
    body: str
    file: str = ""
    available: AvailableSpec | None = None


@dataclass
class AssignmentSpec:
    """An assignment file (`NN-slug.assignment.md`): its settings, instructions and optional rubric; no due
    date (dates belong to runs)."""

    slug: str
    title: str
    position: int
    instructions: str
    accepts: str = "both"
    file_kinds: list[str] = field(default_factory=list)
    max_file_mb: int = 10
    max_files: int = 3
    late_allowed: bool = True
    resubmissions: int = 1
    max_score: int = 100
    pass_mark: int = 50
    hide_names: bool = False
    hold_marks: bool = False
    rubric: list | None = None
    file: str = ""


@dataclass
class AssetSpec:
    path: str  # relative to the course folder, e.g. "01-ibm-concept/pillars.png"
    mime_type: str
    data: bytes


@dataclass
class ModuleSpec:
    slug: str
    title: str
    position: int
    lessons: list[LessonSpec] = field(default_factory=list)
    quizzes: list[QuizSpec] = field(default_factory=list)
    assignments: list[AssignmentSpec] = field(default_factory=list)
    practicals: list[PracticalSpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    language: str
    version: int
    estimated_hours: float
    outcomes: list[str]
    topics: list[str] = field(default_factory=list)
    self_enrolment: bool = True
    certificate_validity_months: int | None = None
    completion_lessons: str = "all"
    completion_quizzes: str = "all"
    completion_assignments: str = "all"
    completion_practicals: str = "all"
    grading_rule: str = "mean"
    modules: list[ModuleSpec] = field(default_factory=list)
    assets: list[AssetSpec] = field(default_factory=list)
    # Language versions (`<course>/<lang>/`, lms.packages.versions.VersionSpec), ordered by language.
    versions: list = field(default_factory=list)
    fingerprint: str = ""  # SHA-256 over the content an import writes (`fingerprint` below)


def fingerprint(course: CourseSpec) -> str:
    """SHA-256 over what an import writes: every setting, text, question and image of the package, and
    nothing of how the files are written (quoting, line wrapping, comments, the numbers in file names,
    the order of topics) or where each item was read from.

    Two packages that import to the same course have the same print, so a course exported and imported
    again is "unchanged"; any change that an import would write changes the print.
    """
    def canonical(value):
        if isinstance(value, dict):  # an item without rules prints as it did before rules existed (and a
            # module without assignments as before they existed)
            return {key: canonical(item) for key, item in value.items()
                    if key not in ("file", "line") and not (key == "available" and item is None)
                    and not (key == "assignments" and item == [])
                    and not (key == "practicals" and item == [])  # nor a module without practicals
                    and not (key == "accept_late_answers" and item is False)}  # nor a quiz with the default
        if isinstance(value, list):
            return [canonical(item) for item in value]
        if isinstance(value, bytes):
            return hashlib.sha256(value).hexdigest()
        return value

    data = asdict(course)
    del data["fingerprint"]
    # Settings at their defaults print as they did before they existed, so that an unchanged package stays
    # "unchanged" on its next import.
    for key, default in (("completion_assignments", "all"), ("completion_practicals", "all"), ("grading_rule", "mean")):
        if data[key] == default:
            del data[key]
    if not data["versions"]:
        del data["versions"]  # a course without versions prints as it did before they existed
    else:
        for version in data["versions"]:
            version["course"].pop("fingerprint", None)
            version["course"].pop("versions", None)
            version["course"]["topics"] = sorted(set(version["course"]["topics"]))
    data["topics"] = sorted(set(data["topics"]))  # a set: the importer keeps no order and no repeats
    text = json.dumps(canonical(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
