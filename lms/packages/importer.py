"""Importing a checked CourseSpec into the database: create or update, by slug, in one transaction.

Running it twice changes nothing (the package's fingerprint is kept). An update keeps every
trainee's enrolments, progress and attempts: items are matched by slug, items no longer in the
package are retired rather than deleted, and attempts carry their own copy of the questions they
were drawn with. After an update, active enrolments are re-evaluated against the completion rule.

`import_course` is the explicit import (`lms courses import`, an upload in the browser): it replaces
the course by the package. `import_shipped_course` is `lms init`'s, run at every start of `make run`:
it never overwrites what was changed in the browser and never changes a course's status.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment
from lms.assignments.rubrics import max_points
from lms.audit import services as audit
from lms.availability import services as availability
from lms.availability.rules import Needs, Rules
from lms.catalog import assets as course_assets
from lms.catalog.models import Course, CourseAsset, CourseTopic, Lesson, Module
from lms.catalog.services import give_to_creator
from lms.extensions import db
from lms.languages import services as languages
from lms.learning.services import reevaluate_course
from lms.packages.queries import last_import_by_a_person
from lms.packages.spec import AssignmentSpec, AvailableSpec, CourseSpec, PracticalSpec, QuestionSpec, QuizSpec
from lms.practicals.models import Criterion, Practical
from lms.quizzes.models import Choice, Question, Quiz

log = logging.getLogger("lms.packages")


@dataclass
class ImportResult:
    """What an import did to one course: created, updated, published or unchanged."""

    slug: str
    outcome: str  # created, updated, published, unchanged, or kept (by lms init: see `reason`)
    completed: int = 0  # enrolments completed by the re-evaluation
    reason: str = ""  # why a course was kept as it is


def import_course(spec: CourseSpec, publish: bool = False, actor=None, creator=None) -> ImportResult:
    """Create or update the course described by `spec`, and commit; rolls back whole on any error.

    `creator` is whoever makes a new course by this import (an upload in the browser): they become its
    owner (`catalog.services.give_to_creator`) in the same transaction. The command line has none.
    The images' bytes go to the storage before the commit; the files of images the package replaced
    or dropped are deleted after it.
    """
    released: list[str | None] = []
    try:
        result = _import(spec, publish, actor, creator, released)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    course_assets.release(released)
    return result


def import_shipped_course(spec: CourseSpec) -> ImportResult:
    """`lms init`'s import of a package of the courses folder, and commit.

    A new course is created and published. An existing course is updated only when the package
    changed since the course was last imported, and keeps its status (an instructor may have set it
    back to draft). A course changed in the browser since its last import (any edit clears its
    fingerprint, and an upload is an import made by a person) is kept as it is: outcome "kept", with
    the reason. `lms courses import` remains the way to overwrite it.
    """
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is None:
        return import_course(spec, publish=True)
    if course.package_hash == spec.fingerprint:
        return ImportResult(spec.slug, "unchanged")
    if course.package_hash is None:
        return ImportResult(spec.slug, "kept", reason="edited in the browser since its last import")
    if last_import_by_a_person(course.id):
        return ImportResult(spec.slug, "kept", reason="a package was uploaded in the browser since its last import")
    return import_course(spec, publish=False)


def _import(spec: CourseSpec, publish: bool, actor, creator, released: list) -> ImportResult:
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is not None and course.package_hash == spec.fingerprint:
        if publish and course.status == "draft":
            course.status = "published"
            audit.record("course.published", actor=actor, target=course, slug=course.slug)
            return ImportResult(spec.slug, "published")
        return ImportResult(spec.slug, "unchanged")
    created = course is None
    if created:
        course = Course(slug=spec.slug, status="draft")
        db.session.add(course)
    _course_fields(course, spec)
    if publish and course.status == "draft":
        course.status = "published"
    db.session.flush()
    _modules(course, spec)
    _rules(course, spec)
    _versions(course, spec)
    released += _assets(course, spec)
    course.package_hash = spec.fingerprint
    db.session.flush()
    if created:
        give_to_creator(course, creator)
    completed = 0 if created else reevaluate_course(course)
    audit.record("course.imported", actor=actor, target=course, slug=course.slug, version=course.version,
                 created=created, status=course.status)
    log.info("course %s %s (version %s)", spec.slug, "created" if created else "updated", spec.version)
    return ImportResult(spec.slug, "created" if created else "updated", completed)


def _course_fields(course: Course, spec: CourseSpec) -> None:
    course.title, course.summary, course.language = spec.title, spec.summary, spec.language
    course.version, course.estimated_hours = spec.version, Decimal(str(spec.estimated_hours))
    course.outcomes, course.self_enrolment = list(spec.outcomes), spec.self_enrolment
    course.certificate_validity_months = spec.certificate_validity_months
    course.completion_lessons, course.completion_quizzes = spec.completion_lessons, spec.completion_quizzes
    course.completion_assignments, course.completion_practicals = spec.completion_assignments, spec.completion_practicals
    course.grading_rule = spec.grading_rule
    wanted = list(dict.fromkeys(spec.topics))
    if course.topic_names != sorted(wanted):
        course.topics = [t for t in course.topics if t.topic in wanted]
        have = set(course.topic_names)
        course.topics.extend(CourseTopic(topic=t) for t in wanted if t not in have)


def _by_slug(model, course_id: int, *options) -> dict:
    query = select(model).where(model.course_id == course_id).options(*options)
    return {item.slug: item for item in db.session.scalars(query)}


def _modules(course: Course, spec: CourseSpec) -> None:
    modules, lessons = _by_slug(Module, course.id), _by_slug(Lesson, course.id)
    quizzes, questions = _by_slug(Quiz, course.id), _by_slug(Question, course.id, selectinload(Question.choices))
    assignments = _by_slug(Assignment, course.id)
    practicals = _by_slug(Practical, course.id, selectinload(Practical.criteria))
    seen: set[tuple[str, str]] = set()
    for mspec in spec.modules:
        module = modules.get(mspec.slug) or Module(course_id=course.id, slug=mspec.slug)
        module.title, module.position, module.retired = mspec.title, mspec.position, False
        db.session.add(module)
        db.session.flush()
        seen.add(("module", mspec.slug))
        for lspec in mspec.lessons:
            lesson = lessons.get(lspec.slug) or Lesson(course_id=course.id, slug=lspec.slug)
            lesson.module_id, lesson.position, lesson.title = module.id, lspec.position, lspec.title
            lesson.minutes, lesson.body, lesson.retired = lspec.minutes, lspec.body, False
            db.session.add(lesson)
            seen.add(("lesson", lspec.slug))
        for aspec in mspec.assignments:
            assignment = assignments.get(aspec.slug) or Assignment(course_id=course.id, slug=aspec.slug)
            _assignment_fields(assignment, aspec, module.id)
            db.session.add(assignment)
            seen.add(("assignment", aspec.slug))
        for pspec in mspec.practicals:
            practical = practicals.get(pspec.slug) or Practical(course_id=course.id, slug=pspec.slug)
            _practical_fields(practical, pspec, module.id)
            db.session.add(practical)
            seen.add(("practical", pspec.slug))
        for qspec in mspec.quizzes:
            quiz = quizzes.get(qspec.slug) or Quiz(course_id=course.id, slug=qspec.slug)
            _quiz_fields(quiz, qspec, module.id)
            db.session.add(quiz)
            db.session.flush()
            seen.add(("quiz", qspec.slug))
            for question_spec in qspec.questions:
                question = questions.get(question_spec.slug) or Question(course_id=course.id, slug=question_spec.slug)
                _question_fields(question, question_spec, quiz.id)
                db.session.add(question)
                seen.add(("question", question_spec.slug))
    for kind, items in (("module", modules), ("lesson", lessons), ("quiz", quizzes), ("question", questions),
                        ("assignment", assignments), ("practical", practicals)):
        for slug, item in items.items():
            if (kind, slug) not in seen:
                item.retired = True


def _rules(course: Course, spec: CourseSpec) -> None:
    """Make the course's availability rules the package's: its items by slug become ids (the check made
    sure each is in the package and that none wait for each other)."""
    db.session.flush()
    ids = {("lesson", slug): lesson.id for slug, lesson in _by_slug(Lesson, course.id).items()}
    ids.update({("quiz", slug): quiz.id for slug, quiz in _by_slug(Quiz, course.id).items()})
    rules = {}
    for mspec in spec.modules:
        for kind, items in (("lesson", mspec.lessons), ("quiz", mspec.quizzes)):
            for item in items:
                if item.available is not None:
                    rules[(kind, ids[(kind, item.slug)])] = _item_rules(item.available, ids)
    availability.replace_course_rules(course, rules)


def _versions(course: Course, spec: CourseSpec) -> None:
    """Make the course's language versions the package's: every text of each version, by the ids of the items
    the original's slugs name (the check made sure a version holds the same items)."""
    db.session.flush()
    ids = {}
    for kind, model in (("module", Module), ("lesson", Lesson), ("quiz", Quiz), ("question", Question),
                        ("assignment", Assignment), ("practical", Practical)):
        ids.update({(kind, slug): item.id for slug, item in _by_slug(model, course.id).items()})
    versions = []
    for vspec in spec.versions:
        v = vspec.course
        texts = [languages.Text("course", course.id, v.title, v.summary,
                                {"outcomes": list(v.outcomes), "topics": sorted(set(v.topics))})]
        for module in v.modules:
            texts.append(languages.Text("module", ids[("module", module.slug)], module.title))
            texts += [languages.Text("lesson", ids[("lesson", lesson.slug)], lesson.title, lesson.body)
                      for lesson in module.lessons]
            for quiz in module.quizzes:
                texts.append(languages.Text("quiz", ids[("quiz", quiz.slug)], quiz.title))
                texts += [languages.Text("question", ids[("question", q.slug)], None, q.text,
                                         {"explanation": q.explanation, "choices": [c.text for c in q.choices],
                                          "accepted": list(q.accepted)})
                          for q in quiz.questions]
            texts += [languages.Text("assignment", ids[("assignment", a.slug)], a.title, a.instructions,
                                     {"rubric": a.rubric} if a.rubric else None) for a in module.assignments]
            texts += [languages.Text("practical", ids[("practical", p.slug)], p.title, p.instructions,
                                     {"criteria": {c.slug: c.text for c in p.criteria}}) for p in module.practicals]
        versions.append(languages.Version(vspec.language, vspec.translated_from, vspec.translated_by,
                                          vspec.reviewed, vspec.note, texts))
    languages.replace_versions(course.id, versions)


def _item_rules(available: AvailableSpec, ids: dict) -> Rules:
    return Rules(items=tuple(Needs(a.kind, ids[(a.kind, a.slug)], a.score) for a in available.after
                             if a.kind != "course"),
                 courses=tuple(a.slug for a in available.after if a.kind == "course"),
                 opens_on=date.fromisoformat(available.opens_on) if available.opens_on else None,
                 days_after_start=available.days_after_start)


def _quiz_fields(quiz: Quiz, spec: QuizSpec, module_id: int) -> None:
    quiz.module_id, quiz.position, quiz.title, quiz.is_final = module_id, spec.position, spec.title, spec.final
    quiz.pass_mark, quiz.attempts_allowed, quiz.time_limit_minutes = spec.pass_mark, spec.attempts, spec.time_limit
    quiz.draw_count, quiz.shuffle_questions, quiz.shuffle_choices = spec.draw, spec.shuffle_questions, spec.shuffle_choices
    quiz.layout, quiz.review, quiz.retired = spec.layout, spec.review, False
    quiz.accept_late_answers = spec.accept_late_answers


def _assignment_fields(assignment: Assignment, spec: AssignmentSpec, module_id: int) -> None:
    """An assignment's settings from its file. The due date is the platform's (kept); a different rubric
    is a new version of it, so that marks given with the earlier one keep saying so (no re-marking: the
    editor asks about that, an import does not)."""
    assignment.module_id, assignment.position, assignment.title = module_id, spec.position, spec.title
    assignment.instructions, assignment.accepts = spec.instructions, spec.accepts
    assignment.file_kinds = ",".join(spec.file_kinds)
    assignment.max_file_mb, assignment.max_files = spec.max_file_mb, spec.max_files
    assignment.late_allowed, assignment.resubmissions = spec.late_allowed, spec.resubmissions
    assignment.pass_mark, assignment.hide_names, assignment.hold_marks = spec.pass_mark, spec.hide_names, spec.hold_marks
    if assignment.id is not None and (spec.rubric or None) != (assignment.rubric or None):
        assignment.rubric_version = (assignment.rubric_version or 1) + 1
    assignment.rubric = spec.rubric
    assignment.max_score = max(1, int(max_points(spec.rubric))) if spec.rubric else spec.max_score
    assignment.retired = False


def _practical_fields(practical: Practical, spec: PracticalSpec, module_id: int) -> None:
    """A practical as the package has it; its criteria matched by slug, those no longer in it retired (records
    signed with them keep them)."""
    practical.module_id, practical.position, practical.title = module_id, spec.position, spec.title
    practical.pass_mark, practical.hold_marks, practical.retired = spec.pass_mark, spec.hold_marks, False
    practical.instructions = spec.instructions
    existing = {c.slug: c for c in practical.criteria}
    for position, cspec in enumerate(spec.criteria, start=1):
        criterion = existing.pop(cspec.slug, None)
        if criterion is None:
            criterion = Criterion(slug=cspec.slug)
            practical.criteria.append(criterion)
        criterion.position, criterion.text, criterion.critical = position, cspec.text, cspec.critical
        criterion.retired = False
    for gone in existing.values():
        gone.retired = True


def _question_fields(question: Question, spec: QuestionSpec, quiz_id: int) -> None:
    question.quiz_id, question.position, question.kind = quiz_id, spec.position_in_quiz, spec.kind
    question.text, question.explanation = spec.text, spec.explanation
    question.points = Decimal(str(spec.points))
    question.true_false_answer = spec.true_false_answer if spec.kind == "true_false" else None
    question.accepted_answers = list(spec.accepted) if spec.kind == "short_text" else None
    question.numeric_answer = spec.numeric_answer if spec.kind == "numeric" else None
    question.numeric_tolerance = spec.tolerance if spec.kind == "numeric" else 0.0
    question.retired = False
    question.draft = False  # the package passed the check: a draft completed in it is whole again
    wanted = [(c.text, c.correct) for c in spec.choices]
    if [(c.text, c.correct) for c in question.choices] != wanted:
        question.choices = [Choice(position=i, text=text, correct=correct)
                            for i, (text, correct) in enumerate(wanted, start=1)]


def _assets(course: Course, spec: CourseSpec) -> list[str | None]:
    """Make the course's images those of the package; returns the storage keys no longer named."""
    existing = {a.path: a for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))}
    released = []
    for asset_spec in spec.assets:
        asset = existing.pop(asset_spec.path, None)
        if asset is None or asset.sha256 != hashlib.sha256(asset_spec.data).hexdigest() \
                or asset.mime_type != asset_spec.mime_type:
            _row, previous = course_assets.put(course.id, asset_spec.path, asset_spec.data, asset_spec.mime_type, asset)
            released.append(previous)
    for asset in existing.values():
        released.append(asset.storage_key)
        db.session.delete(asset)  # images carry no trainee data
    return released
