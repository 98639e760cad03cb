"""Who may open the marking pages: the queues, a submission's marking page and its files, the release of
held-back marks and the runs given to an assessor.

The decisions themselves are `lms.access.assessment`'s (`can_assess`, `can_assess_run`, `can_read_work`,
`can_manage_assessed_work`); this module adds the steps of a page that load the object named in the URL and
check it, and the one rule of the menu: whether a person assesses any course.
"""
from __future__ import annotations

from flask import abort

from lms.access.assessment import can_assess, can_assess_run, can_manage_assessed_work, can_read_work
from lms.access.rules import INSTRUCTOR, has_role, is_admin, require, rule
from lms.assessing import queries
from lms.assignments.models import Assignment, Mark, Submission, SubmissionFile
from lms.catalog import queries as catalog_queries
from lms.catalog.models import Course


@rule
def can_assess_anything(user) -> bool:
    """May open the list of the courses they mark ("Marking" in the menu): admins, and instructors on some
    course's staff as its assessor, owner or instructor (a trainer marks no work)."""
    if is_admin(user):
        return True
    return has_role(user, INSTRUCTOR) and queries.assesses_any_course(user.id)


def assessing_course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user may open its marking queues: 404 when there is no such
    course, 403 (or the sign-in page) when they may not."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_assess, course)
    return course


def managing_course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user may manage its assessed work (release marks, give an
    assessor runs): 404 when it does not exist, 403 (or the sign-in page) otherwise."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_manage_assessed_work, course)
    return course


def work_course_or_404(slug: str) -> Course:
    """The course named in the URL of a work file (who may read it is decided with the file): 404 when none."""
    return catalog_queries.course_by_slug(slug) or abort(404)


def marked_assignment_or_404(course: Course, assignment_id: int) -> Assignment:
    """The assignment named in the URL if it belongs to the course, else 404."""
    assignment = queries.assignment_by_id(assignment_id)
    if assignment is None or assignment.course_id != course.id:
        abort(404)
    return assignment


def _run_of(submission: Submission) -> int | None:
    return queries.run_of_enrolment(submission.enrolment_id)


def marking_submission_or_404(course: Course, submission_id: int) -> tuple[Submission, int | None]:
    """The submitted work named in the URL, with its trainee's run, if the current user may mark it: 404 when it
    is not the course's or is still a draft (a draft is private), 403 when it is of a run not given to them."""
    submission = queries.submission_by_id(submission_id)
    if submission is None or submission.status == "draft" or submission.assignment.course_id != course.id:
        abort(404)
    run_id = _run_of(submission)
    require(can_assess_run, course, run_id)
    return submission, run_id


def work_file_or_404(course: Course, submission_id: int, file_id: int) -> SubmissionFile:
    """A file of submitted work, if the current user may read the work (`can_read_work`: the trainee, the
    course's editors, the assessors of the trainee's run): 404 when it is not there (or a draft's, which only its
    trainee sees on their own page), 403 when the reader may not."""
    found = queries.work_file(file_id)
    if found is None or found.submission_id != submission_id:
        abort(404)
    submission = found.submission
    if submission.status == "draft" or submission.assignment.course_id != course.id:
        abort(404)
    require(can_read_work, course, submission.user_id, _run_of(submission))
    return found


def feedback_mark_or_404(course: Course, mark_id: int) -> Mark:
    """A mark's feedback file for an assessor of the work (`can_assess_run`): 404 when there is none."""
    mark = queries.mark_by_id(mark_id)
    if mark is None or not mark.feedback_key or mark.submission.assignment.course_id != course.id:
        abort(404)
    require(can_assess_run, course, _run_of(mark.submission))
    return mark

