"""Writes of instructor authoring: courses, modules, lessons, quizzes, questions, staff, workflow.

What trainees already did is never destroyed by an edit: "deleting" a module, lesson, quiz or
question retires it (hidden everywhere, kept with its progress and attempts), and attempts keep
the questions they were drawn with. Every edit clears the course's package fingerprint, so a
later `lms courses import` of a package updates it again.
"""
from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, select

from lms.audit import services as audit
from lms.authoring.slugs import unique_slug
from lms.assignments import services as assignment_services
from lms.assignments.models import Assignment
from lms.assignments.rubrics import max_points
from lms.catalog.items import kinds as item_kinds
from lms.catalog.items import live_items
from lms.catalog.models import Course, CourseStaff, CourseTopic, Lesson, Module
from lms.catalog.services import give_to_creator
from lms.extensions import db
from lms.gradebook import services as gradebook_services
from lms.packages.exporter import export_course, question_data
from lms.packages.importer import ImportResult, import_course
from lms.packages.quizfile import check_question, question_spec_data
from lms.packages.reader import read_package
from lms.packages.spec import CourseSpec, Problem
from lms.quizzes.models import Choice, Question, Quiz
from lms.runs.models import CourseRun, run_assessors


class AuthoringError(ValueError):
    """A refused edit; `problems` lists what is wrong (for publishing: the package check's report)."""

    def __init__(self, code: str, problems: list | None = None):
        super().__init__(code)
        self.code, self.problems = code, problems or []


def touched(course: Course) -> None:
    """Note that the course changed since its package was imported (its fingerprint cleared)."""
    course.package_hash = None



def _taken(model, course_id: int) -> set[str]:
    return set(db.session.scalars(select(model.slug).where(model.course_id == course_id)))


# Courses ------------------------------------------------------------------------------------------
def create_course(title: str, summary: str, language: str, actor, slug: str | None = None, *,
                  outcomes: list[str], estimated_hours: Decimal) -> Course:
    """A new draft course; its creator becomes its owner. It is given every setting publishing needs
    that has no sensible default (learning outcomes, estimated hours); the rest take their defaults."""
    taken = set(db.session.scalars(select(Course.slug)))
    slug = slug or unique_slug(title, taken, "course")
    if slug in taken:
        raise AuthoringError("slug_taken")
    course = Course(slug=slug, title=title.strip(), summary=summary.strip(), language=language, status="draft",
                    outcomes=[o.strip() for o in outcomes if o.strip()], estimated_hours=estimated_hours)
    db.session.add(course)
    db.session.flush()
    audit.record("course.created", actor=actor, target=course, slug=slug)
    give_to_creator(course, actor)
    db.session.commit()
    return course


def upload_package(spec: CourseSpec, actor) -> ImportResult:
    """Create or update a course from an uploaded package (as a draft when new); a new course's uploader
    becomes its owner in the same transaction as the import."""
    return import_course(spec, publish=False, actor=actor, creator=actor)


def update_course(course: Course, actor, **fields) -> None:
    """Change a course's settings (title, summary, language, outcomes, topics, hours, rules...)."""
    topics = fields.pop("topics", None)
    if "grading_rule" in fields:  # audited as the gradebook's settings page audits it
        gradebook_services.set_grading_rule(course, fields.pop("grading_rule"), actor)
    for key, value in fields.items():
        setattr(course, key, value)
    if topics is not None:
        wanted = list(dict.fromkeys(t.strip() for t in topics if t.strip()))
        course.topics = [t for t in course.topics if t.topic in wanted]
        have = {t.topic for t in course.topics}
        course.topics.extend(CourseTopic(topic=t) for t in wanted if t not in have)
    touched(course)
    db.session.commit()


def publish(course: Course, actor) -> None:
    """Publish after the same check as `lms courses check`; refuses with the full list of problems."""
    problems = check_course(course)
    if problems:
        raise AuthoringError("check_failed", problems)
    course.status = "published"
    audit.record("course.published", actor=actor, target=course, slug=course.slug)
    db.session.commit()


def set_status(course: Course, status: str, actor) -> None:
    """Archive (out of the catalogue, records and certificates kept) or return to draft."""
    previous, course.status = course.status, status
    audit.record(f"course.{'archived' if status == 'archived' else 'unpublished'}", actor=actor, target=course,
                 slug=course.slug, previous=previous)
    db.session.commit()


def check_course(course: Course) -> list[Problem]:
    """The package check's problems for the course as it is now (exported, then read back). Each is about
    an object of the course (see `Problem`); `lms.authoring.problems` says them in the author's terms."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = export_course(course, Path(tmp))
        _spec, problems = read_package(folder, Path(tmp))
    return problems


def question_problems(question: Question) -> list[Problem]:
    """What would refuse this saved question at publishing: the package check's rules for a question."""
    return check_question(question_data(question))


# Staff --------------------------------------------------------------------------------------------
def add_staff(course: Course, user, role: str, actor) -> None:
    """Make an instructor an owner or instructor of the course."""
    if user.role != "instructor":
        raise AuthoringError("not_instructor")
    member = db.session.get(CourseStaff, (course.id, user.id))
    if member is None:
        db.session.add(CourseStaff(course_id=course.id, user_id=user.id, role=role))
    elif member.role == role:
        return
    else:
        member.role = role
    audit.record("course.staff_added", actor=actor, target=course, user_id=user.id, role=role)
    db.session.commit()


def remove_staff(course: Course, user_id: int, actor) -> None:
    """Remove a member of the staff; the last owner stays."""
    member = db.session.get(CourseStaff, (course.id, user_id))
    if member is None:
        return
    owners = db.session.scalar(select(func.count()).select_from(CourseStaff).where(
        CourseStaff.course_id == course.id, CourseStaff.role == "owner"))
    if member.role == "owner" and owners <= 1:
        raise AuthoringError("last_owner")
    if member.role == "assessor":
        # The runs given to them go with them: added again, an assessor starts with the whole course.
        db.session.execute(delete(run_assessors).where(run_assessors.c.user_id == user_id, run_assessors.c.run_id.in_(
            select(CourseRun.id).where(CourseRun.course_id == course.id))))
    db.session.delete(member)
    audit.record("course.staff_removed", actor=actor, target=course, user_id=user_id)
    db.session.commit()


# Modules, lessons, quizzes ----------------------------------------------------------------------------
def next_position(module: Module) -> int:
    """The position after the last item of the module, of any kind (lms.catalog.items)."""
    return max((db.session.scalar(select(func.max(kind.model.position)).where(kind.model.module_id == module.id)) or 0
                for kind in item_kinds()), default=0) + 1



def add_module(course: Course, title: str, actor) -> Module:
    """A new module at the end of the course."""
    position = (db.session.scalar(select(func.max(Module.position)).where(Module.course_id == course.id)) or 0) + 1
    module = Module(course_id=course.id, slug=unique_slug(title, _taken(Module, course.id), "module"),
                    title=title.strip(), position=position)
    db.session.add(module)
    touched(course)
    db.session.commit()
    return module


def rename_module(module: Module, title: str, course: Course) -> None:
    """Change a module's title."""
    module.title = title.strip()
    touched(course)
    db.session.commit()


def add_lesson(module: Module, course: Course, title: str, minutes: int, body: str) -> Lesson:
    """A new lesson at the end of the module."""
    lesson = Lesson(course_id=course.id, module_id=module.id, slug=unique_slug(title, _taken(Lesson, course.id), "lesson"),
                    position=next_position(module), title=title.strip(), minutes=minutes, body=body)
    db.session.add(lesson)
    touched(course)
    db.session.commit()
    return lesson


def update_lesson(lesson: Lesson, course: Course, title: str, minutes: int, body: str) -> None:
    """Change a lesson's title, reading time and text; its slug (identity) stays."""
    lesson.title, lesson.minutes, lesson.body = title.strip(), minutes, body
    touched(course)
    db.session.commit()


QUIZ_SETTINGS = ("title", "is_final", "pass_mark", "attempts_allowed", "time_limit_minutes", "draw_count",
                 "shuffle_questions", "shuffle_choices", "layout", "review", "accept_late_answers")


def add_quiz(module: Module, course: Course, settings: dict) -> Quiz:
    """A new quiz at the end of the module."""
    quiz = Quiz(course_id=course.id, module_id=module.id, position=next_position(module),
                slug=unique_slug(settings["title"], _taken(Quiz, course.id), "quiz"))
    for key in QUIZ_SETTINGS:
        setattr(quiz, key, settings[key])
    db.session.add(quiz)
    touched(course)
    db.session.commit()
    return quiz


def update_quiz(quiz: Quiz, course: Course, settings: dict) -> None:
    """Change a quiz's settings. Attempts already started keep their draw."""
    for key in QUIZ_SETTINGS:
        setattr(quiz, key, settings[key])
    touched(course)
    db.session.commit()


ASSIGNMENT_SETTINGS = ("title", "instructions", "accepts", "file_kinds", "max_file_mb", "max_files", "due_on",
                       "late_allowed", "resubmissions", "max_score", "pass_mark", "hide_names", "hold_marks")


def _assignment_settings(assignment: Assignment, settings: dict) -> None:
    for key in ASSIGNMENT_SETTINGS:
        setattr(assignment, key, settings[key])
    if assignment.rubric:  # with a rubric, its highest total is the maximum
        assignment.max_score = max(1, int(max_points(assignment.rubric)))


def add_assignment(module: Module, course: Course, settings: dict, rubric: list | None, actor) -> Assignment:
    """A new assignment at the end of the module (its rubric, if any, at version 1); audited."""
    assignment = Assignment(course_id=course.id, module_id=module.id, position=next_position(module),
                            slug=unique_slug(settings["title"], _taken(Assignment, course.id), "assignment"),
                            rubric=rubric, rubric_version=1)
    _assignment_settings(assignment, settings)
    db.session.add(assignment)
    touched(course)
    db.session.flush()
    audit.record("assignment.added", actor=actor, target=assignment, slug=assignment.slug)
    db.session.commit()
    return assignment


def update_assignment(assignment: Assignment, course: Course, settings: dict, rubric: list | None, remark: bool,
                      actor) -> int:
    """Change an assignment's settings; a different rubric goes through `assignments.services.change_rubric`
    (a new version; with `remark`, marked work goes back to be marked again). Returns how many submissions
    went back. Audited."""
    touched(course)
    _assignment_settings(assignment, settings)
    audit.record("assignment.changed", actor=actor, target=assignment, slug=assignment.slug)
    if (rubric or None) != (assignment.rubric or None):
        # One unit with the settings: change_rubric commits them with the new rubric.
        return assignment_services.change_rubric(assignment, rubric, remark, actor)
    db.session.commit()
    return 0


# Questions ----------------------------------------------------------------------------------------
def save_question(quiz: Quiz, course: Course, data: dict, question: Question | None = None) -> Question:
    """Create or change a question of any kind with its choices, points and explanation.

    Choices are matched by position, so a choice keeps its id (and its place in item analysis)
    when its text is corrected.
    """
    if question is None:
        position = (db.session.scalar(select(func.max(Question.position)).where(Question.quiz_id == quiz.id)) or 0) + 1
        question = Question(course_id=course.id, quiz_id=quiz.id, position=position, kind=data["kind"],
                            slug=unique_slug(data.get("slug") or data["text"][:50], _taken(Question, course.id), "question"))
        db.session.add(question)
    kind = question.kind
    question.text, question.explanation = data["text"], data["explanation"]
    question.draft = False  # the form asks for everything publishing requires of a question
    question.points = Decimal(str(data["points"]))
    question.true_false_answer = data.get("true_false_answer") if kind == "true_false" else None
    question.accepted_answers = list(data.get("accepted") or []) if kind == "short_text" else None
    question.numeric_answer = data.get("numeric_answer") if kind == "numeric" else None
    question.numeric_tolerance = data.get("tolerance") or 0.0 if kind == "numeric" else 0.0
    if kind in ("single_choice", "multiple_choice"):
        wanted = data["choices"]  # [(text, correct)]
        existing = list(question.choices)
        for index, (text, correct) in enumerate(wanted):
            if index < len(existing):
                existing[index].text, existing[index].correct, existing[index].position = text, correct, index + 1
            else:
                question.choices.append(Choice(position=index + 1, text=text, correct=correct))
        for extra in existing[len(wanted):]:
            question.choices.remove(extra)
    touched(course)
    db.session.commit()
    return question


def import_questions(quiz: Quiz, course: Course, specs: list, actor, drafts: bool = False) -> tuple[int, int]:
    """Add parsed questions (GIFT import) to the quiz's bank in one transaction; returns how many were
    imported, and how many of them as drafts.

    A question that publishing would refuse (the package check's rules for a question: no explanation,
    say) is refused with the rest (`AuthoringError("incomplete")`), unless `drafts`: then it is imported
    as a draft, never drawn into an attempt until completed in the question editor.
    """
    incomplete = [i for i, spec in enumerate(specs) if check_question(question_spec_data(spec))]
    if incomplete and not drafts:
        raise AuthoringError("incomplete")
    taken = _taken(Question, course.id)
    position = db.session.scalar(select(func.max(Question.position)).where(Question.quiz_id == quiz.id)) or 0
    for index, spec in enumerate(specs):
        slug = unique_slug(spec.slug, taken, "question")
        taken.add(slug)
        position += 1
        question = Question(course_id=course.id, quiz_id=quiz.id, slug=slug, position=position, kind=spec.kind,
                            text=spec.text, explanation=spec.explanation or "", points=Decimal(str(spec.points)),
                            true_false_answer=spec.true_false_answer if spec.kind == "true_false" else None,
                            accepted_answers=list(spec.accepted) if spec.kind == "short_text" else None,
                            numeric_answer=spec.numeric_answer if spec.kind == "numeric" else None,
                            numeric_tolerance=spec.tolerance if spec.kind == "numeric" else 0.0,
                            draft=index in incomplete)
        question.choices = [Choice(position=i, text=c.text, correct=c.correct) for i, c in enumerate(spec.choices, 1)]
        db.session.add(question)
    audit.record("quiz.questions_imported", actor=actor, target=quiz, count=len(specs), drafts=len(incomplete),
                 format="gift")
    touched(course)
    db.session.commit()
    return len(specs), len(incomplete)


# Order and deletion ------------------------------------------------------------------------------------
def siblings(item) -> list:
    """The live items sharing `item`'s order: modules of the course, items of the module, questions of the quiz."""
    if isinstance(item, Module):
        return list(db.session.scalars(select(Module).where(Module.course_id == item.course_id,
                                                            Module.retired.is_(False)).order_by(Module.position)))
    if isinstance(item, Question):
        return list(db.session.scalars(select(Question).where(Question.quiz_id == item.quiz_id,
                                                              Question.retired.is_(False)).order_by(Question.position)))
    found = [(x, kind.rank) for kind in item_kinds()
             for x in db.session.scalars(live_items(kind.model, kind.model).where(kind.model.module_id == item.module_id))]
    return [x for x, _rank in sorted(found, key=lambda pair: (pair[0].position, pair[1]))]


def move(item, direction: int, course: Course) -> None:
    """Move an item one place up (-1) or down (+1) among its siblings."""
    items = siblings(item)
    index = next(i for i, x in enumerate(items) if type(x) is type(item) and x.id == item.id)
    target = index + direction
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, sibling in enumerate(items, start=1):
        sibling.position = position
    touched(course)
    db.session.commit()


def _other_items(module: Module) -> list:
    """The module's items of the kinds beside lessons and quizzes (assignments, ...)."""
    return [i for kind in item_kinds() if kind.model not in (Lesson, Quiz)
            for i in db.session.scalars(select(kind.model).where(kind.model.module_id == module.id))]


def retire(item, course: Course, actor) -> None:
    """"Delete" an item: it disappears for trainees and editors; what trainees did with it is kept."""
    item.retired = True
    if isinstance(item, Module):
        for child in [*item.lessons, *item.quizzes, *_other_items(item)]:
            child.retired = True
    audit.record("course.item_deleted", actor=actor, target=course, kind=item.__tablename__, slug=item.slug)
    touched(course)
    db.session.commit()
