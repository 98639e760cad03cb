"""Who may see and assess practical assessments, on top of the rules of assessed work (lms.access.assessment).

The course's editors set practicals and release held-back records; its assessors (and editors) sign off the
checklists of the trainees of the runs given to them; a trainee sees their own released record; evidence files
are read by whoever may read the trainee's work (`can_read_work`).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from lms.access.assessment import can_assess, can_assess_run, can_read_work
from lms.access.courses import course_or_404, editable_course_or_404
from lms.access.rules import require, rule
from lms.catalog import queries as catalog_queries
from lms.checklists import queries
from lms.learning import queries as learning_queries


@rule
def can_assess_enrolment(user, course, enrolment) -> bool:
    """May sign off this trainee's checklists in the course: the course's editors and the assessors of the
    trainee's run."""
    return enrolment is not None and enrolment.course_id == course.id and can_assess_run(user, course, enrolment.run_id)


@rule
def can_read_evidence(user, evidence) -> bool:
    """May download an evidence file of a record: whoever may read the trainee's work (the trainee, the course's
    editors, the assessors of the trainee's run)."""
    record = evidence.record
    enrolment = learning_queries.enrolment_by_id(record.enrolment_id)
    course = catalog_queries.course_by_id(record.practical.course_id)
    return enrolment is not None and course is not None and can_read_work(user, course, record.user_id,
                                                                             enrolment.run_id)


def practical_for_editing_or_404(slug: str, practical: str):
    """(course, practical) named in the URL, for its editors (403 for anyone else, 404 if either is not there)."""
    course = editable_course_or_404(slug)
    return course, queries.practical_by_slug(course, practical) or abort(404)


def practical_for_assessing_or_404(slug: str, practical: str):
    """(course, practical) named in the URL, for its editors and assessors (403 for anyone else)."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_assess, course)
    return course, queries.practical_by_slug(course, practical) or abort(404)


def assessed_enrolment_or_404(course, practical, enrolment_id: int):
    """The enrolment named in the URL, if it is one of the practical's course the user may assess (404 when it is
    not the course's; 403 when it is of a run not given to them)."""
    enrolment = queries.enrolment_of_practical(practical, enrolment_id) or abort(404)
    require(can_assess_enrolment, course, enrolment)
    return enrolment


def practical_for_reading_or_404(slug: str, practical: str):
    """(course, practical) named in the URL, for whoever may see the course."""
    course = course_or_404(slug)
    return course, queries.practical_by_slug(course, practical) or abort(404)


def evidence_or_404(evidence_id: int):
    """The evidence file named in the URL, for whoever may read it (anyone else: not found, so that its
    existence is not told)."""
    evidence = queries.evidence_by_id(evidence_id)
    if evidence is None or not can_read_evidence(current_user, evidence):
        abort(404)
    return evidence

