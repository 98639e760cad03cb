"""Writing a course back as a package folder, in canonical form.

Export, import into a fresh database and export again gives identical files: positions become
01, 02..., keys are written in a fixed order, and every setting is written out explicitly.
Retired items are not exported.
"""
from __future__ import annotations

import logging
import shutil
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment
from lms.availability import queries as availability
from lms.availability.rules import Rules
from lms.catalog import assets as course_assets
from lms.catalog.models import Course, CourseAsset, Lesson, Module
from lms.core.storage import StorageNotFound
from lms.core.uploads import parse_kinds
from lms.extensions import db
from lms.languages import queries as language_queries
from lms.packages import yamlfile
from lms.packages.practicalfile import practical_text
from lms.practicals.models import Practical
from lms.quizzes.models import Question, Quiz


log = logging.getLogger("lms.packages")
# Items of different kinds at the same position of a module, in the order the outline gives them.
RANKS = {Lesson: 0, Quiz: 1, Assignment: 2, Practical: 3}


class ExportError(ValueError):
    """The destination cannot be written; the message says why."""


def _number(value):
    """Whole numbers as int, others as float: `2` not `2.0`, `Decimal('1.00')` as `1`."""
    if value is None:
        return None
    value = float(value) if isinstance(value, Decimal) else value
    return int(value) if float(value).is_integer() else float(value)


def export_course(course: Course, destination: Path) -> Path:
    """Write `course` to `destination/<slug>/`, with each published language version in `<slug>/<lang>/`,
    replacing an earlier export there. Returns the folder."""
    folder = destination / course.slug
    if folder.exists():
        if not (folder / "course.yaml").is_file() and any(folder.iterdir()):
            raise ExportError(f"{folder} exists and is not a course package; choose another destination")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _write(folder, course, Seen())
    for version in language_queries.versions_of(course.id):
        if version.status == "published":
            seen = Seen(language_queries.texts(course.id, version.language))
            (folder / version.language).mkdir()
            _write(folder / version.language, course, seen, version)
    return folder


class Seen:
    """A course's things as one version shows them: the original's, with the version's texts over them."""

    def __init__(self, texts: dict | None = None):
        self.texts = texts

    def __call__(self, kind: str, item):
        if self.texts is None:
            return item
        found = self.texts.get((kind, item.id))
        if found is None:
            return item
        data = found.data or {}
        if kind == "question":
            choices = data.get("choices") or []
            return Overlay(item, text=found.body, explanation=data.get("explanation", item.explanation),
                           accepted_answers=data.get("accepted", item.accepted_answers),
                           choices=[Overlay(c, text=choices[i]) if i < len(choices) else c
                                    for i, c in enumerate(item.choices)])
        if kind == "quiz":
            return Overlay(item, title=found.title or item.title,
                           questions=[self("question", q) for q in item.questions])
        if kind == "course":
            return Overlay(item, title=found.title or item.title, summary=found.body or "",
                           outcomes=data.get("outcomes", item.outcomes), topic_names=data.get("topics", []))
        if kind == "assignment":
            rubric = data.get("rubric") or item.rubric
            return Overlay(item, title=found.title or item.title, instructions=found.body or "", rubric=rubric)
        if kind == "practical":
            texts = data.get("criteria") or {}
            return Overlay(item, title=found.title or item.title, instructions=found.body or "",
                           criteria=[Overlay(c, text=texts.get(c.slug, c.text)) for c in item.criteria])
        return Overlay(item, title=found.title or item.title,
                       **({"body": found.body} if kind == "lesson" and found.body is not None else {}))


class Overlay:
    """An object read through some attributes replaced (a version's texts over the original's item)."""

    def __init__(self, item, **replaced):
        self._item, self._replaced = item, replaced

    def __getattr__(self, name):
        replaced = self.__dict__["_replaced"]
        return replaced[name] if name in replaced else getattr(self.__dict__["_item"], name)


def _write(folder: Path, course: Course, seen: Seen, version=None) -> None:
    """Write the course's files into `folder` as `seen` shows them; the original's images only when it is the
    original (a version uses them)."""
    data = course_data(seen("course", course))
    if version is not None:
        data["language"] = version.language
        data["translation"] = {"from": version.translated_from, "by": version.translated_by,
                               "reviewed": version.reviewed, **({"note": version.note} if version.note else {})}
    (folder / "course.yaml").write_text(yamlfile.dump(data), encoding="utf-8")
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired.is_(False)).order_by(Module.position)
        .options(selectinload(Module.lessons),
                 selectinload(Module.quizzes).selectinload(Quiz.questions).selectinload(Question.choices))
    ).all()
    assets = db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id)).all()
    practicals: dict[int, list[Practical]] = {}
    for practical in db.session.scalars(select(Practical).where(Practical.course_id == course.id,
                                                                Practical.retired.is_(False))
                                        .options(selectinload(Practical.criteria))):
        practicals.setdefault(practical.module_id, []).append(practical)
    live = [i for module in modules for i in [*module.lessons, *module.quizzes] if not i.retired]
    slugs = {("lesson" if isinstance(i, Lesson) else "quiz", i.id): i.slug for i in live}
    rules = availability.rules_by_item(course.id)
    assignments: dict[int, list[Assignment]] = {}
    for assignment in db.session.scalars(select(Assignment).where(Assignment.course_id == course.id,
                                                                  Assignment.retired.is_(False))):
        assignments.setdefault(assignment.module_id, []).append(assignment)
    for number, module in enumerate(modules, start=1):
        module_dir = folder / f"{number:02d}-{module.slug}"
        module_dir.mkdir()
        (module_dir / "module.yaml").write_text(yamlfile.dump({"title": seen("module", module).title}),
                                                encoding="utf-8")
        items = [i for i in [*module.lessons, *module.quizzes, *assignments.get(module.id, []),
                             *practicals.get(module.id, [])] if not i.retired]
        items.sort(key=lambda i: (i.position, RANKS[type(i)]))
        for position, item in enumerate(items, start=1):
            if isinstance(item, Assignment):
                (module_dir / f"{position:02d}-{item.slug}.assignment.md").write_text(
                    assignment_text(seen("assignment", item)), encoding="utf-8")
                continue
            if isinstance(item, Practical):
                (module_dir / f"{position:02d}-{item.slug}.practical.md").write_text(
                    practical_file(seen("practical", item)), encoding="utf-8")
                continue
            kind = "lesson" if isinstance(item, Lesson) else "quiz"
            available = available_data(rules.get((kind, item.id)), slugs)
            if kind == "lesson":
                (module_dir / f"{position:02d}-{item.slug}.md").write_text(
                    lesson_text(seen("lesson", item), available), encoding="utf-8")
            else:
                (module_dir / f"{position:02d}-{item.slug}.quiz.yaml").write_text(
                    yamlfile.dump(quiz_data(seen("quiz", item), available)), encoding="utf-8")
        for asset in (assets if version is None else ()):
            module_slug, _, name = asset.path.partition("/")
            if module_slug == module.slug:
                _write_asset(asset, module_dir / name)


def _write_asset(asset: CourseAsset, target: Path) -> None:
    """Copy an image from the storage into the package. A file missing from the storage is left out
    and logged: the package check then names the lesson that uses it, where a crash would name nothing."""
    try:
        chunks = course_assets.stream(asset)
    except StorageNotFound:
        log.error("course image %s (course %s) is missing from the storage; left out of the package",
                  asset.path, asset.course_id)
        return
    with target.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)


def course_data(course: Course) -> dict:
    """course.yaml's content."""
    data = {
        "slug": course.slug, "title": course.title, "summary": course.summary, "language": course.language,
        "topics": course.topic_names, "version": course.version,
        "estimated_hours": _number(course.estimated_hours), "outcomes": list(course.outcomes),
        "self_enrolment": course.self_enrolment,
    }
    if not data["topics"]:
        del data["topics"]
    if course.certificate_validity_months:
        data["certificate_validity_months"] = course.certificate_validity_months
    data["completion"] = {"lessons": course.completion_lessons, "quizzes": course.completion_quizzes}
    # Written only when not the default, so that the packages of courses without them stay byte for byte as before.
    for key, value in (("assignments", course.completion_assignments), ("practicals", course.completion_practicals)):
        if value != "all":
            data["completion"][key] = value
    if course.grading_rule != "mean":
        data["grading"] = course.grading_rule
    return data


def practical_file(practical: Practical) -> str:
    """A practical assessment file: every setting, the live criteria in order, the instructions."""
    criteria = [{"slug": c.slug, "text": c.text, "critical": c.critical} for c in practical.criteria if not c.retired]
    return practical_text(practical.title, practical.pass_mark, practical.hold_marks, criteria, practical.instructions)


def available_data(rules: Rules | None, slugs: dict) -> dict | None:
    """An item's `available` mapping, its items by slug; a condition on an item no longer live (it holds
    nothing back) is left out. None when there is nothing to write."""
    if rules is None:
        return None
    after = []
    for needs in rules.items:
        slug = slugs.get((needs.kind, needs.ref))
        if slug is not None:
            after.append({needs.kind: slug, **({"score": needs.min_percent} if needs.min_percent is not None else {})})
    after += [{"course": slug} for slug in rules.courses]
    data = {"after": after} if after else {}
    if rules.opens_on is not None:
        data["from"] = rules.opens_on
    if rules.days_after_start is not None:
        data["days_after_start"] = rules.days_after_start
    return data or None


def lesson_text(lesson: Lesson, available: dict | None = None) -> str:
    """A lesson file: front matter, then the Markdown body."""
    front = yamlfile.dump({"title": lesson.title, "minutes": lesson.minutes,
                           **({"available": available} if available else {})})
    return f"---\n{front}---\n\n{lesson.body.strip(chr(10))}\n"


def assignment_text(assignment: Assignment) -> str:
    """An assignment file: front matter with every setting (no due date: that is the platform's), then the
    instructions."""
    data = {"title": assignment.title, "accepts": assignment.accepts,
            "file_kinds": list(parse_kinds(assignment.file_kinds)), "max_file_mb": assignment.max_file_mb,
            "max_files": assignment.max_files, "late_allowed": assignment.late_allowed,
            "resubmissions": assignment.resubmissions}
    if not assignment.rubric:
        data["max_score"] = assignment.max_score
    data.update({"pass_mark": assignment.pass_mark, "hide_names": assignment.hide_names,
                 "hold_marks": assignment.hold_marks})
    if assignment.rubric:
        data["rubric"] = [{"title": c["title"], **({"description": c["description"]} if c.get("description") else {}),
                           "levels": [{"title": level["title"], "points": level["points"]} for level in c["levels"]]}
                          for c in assignment.rubric]
    return f"---\n{yamlfile.dump(data)}---\n\n{(assignment.instructions or '').strip(chr(10))}\n"


def quiz_data(quiz: Quiz, available: dict | None = None) -> dict:
    """A quiz file's content, with every setting written out (and its availability rules, if any)."""
    data = {"title": quiz.title, "final": quiz.is_final, "pass_mark": quiz.pass_mark,
            "attempts": quiz.attempts_allowed}
    if quiz.time_limit_minutes:
        data["time_limit"] = quiz.time_limit_minutes
    if quiz.draw_count:
        data["draw"] = quiz.draw_count
    data.update({"shuffle_questions": quiz.shuffle_questions, "shuffle_choices": quiz.shuffle_choices,
                 "layout": quiz.layout, "review": quiz.review})
    if quiz.accept_late_answers:  # written only when set, so packages of quizzes without it read as before
        data["accept_late_answers"] = True
    if available:
        data["available"] = available
    data["questions"] = [question_data(q) for q in quiz.questions if not q.retired]
    return data


def question_data(question: Question) -> dict:
    """One question of a quiz file."""
    data = {"slug": question.slug, "kind": question.kind, "points": _number(question.points), "text": question.text}
    if question.kind in ("single_choice", "multiple_choice"):
        data["choices"] = [{"text": c.text, "correct": True} if c.correct else {"text": c.text}
                           for c in question.choices]
    elif question.kind == "true_false":
        data["answer"] = bool(question.true_false_answer)
    elif question.kind == "short_text":
        data["accepted"] = list(question.accepted_answers or [])
    elif question.kind == "numeric":
        data["answer"] = _number(question.numeric_answer)
        data["tolerance"] = _number(question.numeric_tolerance)
    data["explanation"] = question.explanation
    return data
