"""Named reads of assignments: an assignment by its slug, a trainee's tries, their files, the extension given,
the released marks a trainee may read, the figures staff see per trainee, and an assignment's texts in a
language version of its course.

A draft is its trainee's alone: every read made for someone else (`handed_in_by_enrolment`) leaves drafts out.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment, Extension, Mark, Submission, SubmissionFile
from lms.extensions import db
from lms.languages import queries as language_queries
from lms.languages.queries import Said


def assignment_by_slug(course, slug: str) -> Assignment | None:
    """A live assignment of the course by its slug (its module not retired either is the outline's business:
    the page of an item of a retired module is not found)."""
    return db.session.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.slug == slug,
                                                      Assignment.retired.is_(False)))


def assignments_of_course(course_id: int) -> list[Assignment]:
    """The course's assignments that are not retired, by module and position."""
    return list(db.session.scalars(select(Assignment).where(Assignment.course_id == course_id,
                                                            Assignment.retired.is_(False))
                                   .order_by(Assignment.module_id, Assignment.position)))


def tries(assignment_id: int, enrolment_id: int) -> list[Submission]:
    """The enrolment's submissions to the assignment, first to last, with their files and marks."""
    return list(db.session.scalars(
        select(Submission).where(Submission.assignment_id == assignment_id, Submission.enrolment_id == enrolment_id)
        .options(selectinload(Submission.files), selectinload(Submission.marks)).order_by(Submission.number)))


def extension_of(assignment_id: int, enrolment_id: int) -> Extension | None:
    """The later due date given to this enrolment for this assignment, if any."""
    return db.session.get(Extension, (assignment_id, enrolment_id))


def extensions_of(assignment_id: int) -> dict[int, Extension]:
    """{enrolment id: extension} of an assignment."""
    return {e.enrolment_id: e for e in db.session.scalars(
        select(Extension).where(Extension.assignment_id == assignment_id))}


def file_by_id(file_id: int) -> SubmissionFile | None:
    """A submission's file with its submission."""
    return db.session.scalar(select(SubmissionFile).where(SubmissionFile.id == file_id)
                             .options(selectinload(SubmissionFile.submission)))


def mark_by_id(mark_id: int) -> Mark | None:
    """A mark with its submission."""
    return db.session.scalar(select(Mark).where(Mark.id == mark_id).options(selectinload(Mark.submission)))


def current_mark(submission: Submission) -> Mark | None:
    """The submission's mark that no re-mark has replaced (released or not)."""
    return next((m for m in reversed(submission.marks) if m.is_current), None)


def released_mark(submission: Submission) -> Mark | None:
    """The submission's current mark when it is released: what its trainee may read."""
    mark = current_mark(submission)
    return mark if mark is not None and mark.is_released else None


def marks_given(assignment_id: int) -> int:
    """How many submissions of the assignment carry a current mark (a change of its rubric asks about them)."""
    return db.session.scalar(
        select(func.count(Mark.id)).join(Submission, Submission.id == Mark.submission_id)
        .where(Submission.assignment_id == assignment_id, Mark.is_current,
               Mark.outcome == "marked")) or 0


def handed_in_by_enrolment(assignment_id: int, enrolment_ids: list[int]) -> dict[int, Submission]:
    """{enrolment id: its latest submission that is not a draft} for staff pages (drafts stay private)."""
    if not enrolment_ids:
        return {}
    latest = (select(Submission.enrolment_id, func.max(Submission.number).label("number"))
              .where(Submission.assignment_id == assignment_id, Submission.enrolment_id.in_(enrolment_ids),
                     Submission.status != "draft")
              .group_by(Submission.enrolment_id).subquery())
    rows = db.session.scalars(select(Submission).join(latest, (latest.c.enrolment_id == Submission.enrolment_id)
                                                      & (latest.c.number == Submission.number))
                              .where(Submission.assignment_id == assignment_id))
    return {s.enrolment_id: s for s in rows}


@dataclass(frozen=True)
class ShownCriterion:
    """A criterion of the rubric as the trainee's page lists it: its texts in the version read, its levels
    (and their points) the original's."""

    title: Said
    description: Said
    levels: list


@dataclass(frozen=True)
class ShownAssignment:
    """An assignment's texts as a language version shows them (the original's where the version has none)."""

    title: Said
    instructions: Said
    rubric: list[ShownCriterion]


def shown_texts(assignment: Assignment, original: str, language: str | None) -> ShownAssignment:
    """The assignment's title, instructions and rubric texts in the version `language` (None: the original,
    written in `original`), each text the original's where the version gives none. A version's rubric keeps the
    original's criteria in order, so its texts are matched by position; the points are always the original's."""
    found = language_queries.text_of("assignment", assignment.id, language) if language else None
    data = (found.data if found is not None else None) or {}
    ours = data.get("rubric") if isinstance(data.get("rubric"), list) else []
    rubric = []
    for position, criterion in enumerate(assignment.rubric or []):
        mine = ours[position] if position < len(ours) and isinstance(ours[position], dict) else {}
        rubric.append(ShownCriterion(
            language_queries.said(mine.get("title"), criterion.get("title"), language, original),
            language_queries.said(mine.get("description"), criterion.get("description"), language, original)
            if criterion.get("description") else Said("", original),
            list(criterion.get("levels") or [])))
    return ShownAssignment(
        language_queries.said(found.title if found else None, assignment.title, language, original),
        language_queries.said(found.body if found else None, assignment.instructions, language, original),
        rubric)
