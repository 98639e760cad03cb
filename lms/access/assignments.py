"""Who may read an assignment's submitted work and its files, and the step that finds an assignment named in a
URL. The decisions of work a person assesses are `lms.access.assessment`'s; these apply them to a submission
(a draft is its trainee's alone) and to a mark's feedback file (the trainee reads it once released)."""
from __future__ import annotations

from flask import abort

from lms.access.assessment import can_assess_run, can_read_work
from lms.access.rules import rule, signed_in
from lms.assignments import queries


@rule
def can_read_submission(user, course, submission, run_id: int | None) -> bool:
    """May read a submission's text and files: a draft only its trainee; handed-in work whoever may read the
    trainee's work (`can_read_work`: the trainee, the course's editors, the assessors of their run)."""
    if submission.status == "draft":
        return signed_in(user) and user.id == submission.user_id
    return can_read_work(user, course, submission.user_id, run_id)


@rule
def can_read_mark(user, course, mark, run_id: int | None) -> bool:
    """May read a mark and its feedback file: its trainee once it is released (never a held-back one), and
    those who may mark the trainee's run."""
    if not signed_in(user):
        return False
    if user.id == mark.submission.user_id:
        return mark.is_released and mark.is_current
    return can_assess_run(user, course, run_id)


def assignment_of_course_or_404(course, slug: str):
    """The live assignment named in the URL, of a course whose access the caller has decided; else 404."""
    return queries.assignment_by_slug(course, slug) or abort(404)
