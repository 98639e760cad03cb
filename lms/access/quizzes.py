"""Who may judge a quiz's answers received late after an outage: see the queue, accept or reject them, upload a
trainee's "Download my answers" file.

Whoever sees and regrades a quiz's attempts today decides: the course's editors (admins, its owners and
instructors), who regrade questions and read the item analysis. Accepting changes a grade, so the read-only
viewers of results (a run's trainers, coordinators) and other courses' staff are refused, as are trainees.
"""
from __future__ import annotations

from flask import abort

from lms.access.courses import can_edit_course
from lms.access.rules import require, rule
from lms.catalog import queries as catalog_queries


@rule
def can_judge_late_answers(user, course) -> bool:
    """May see the course's quizzes' answers received late after an outage, accept or reject them and upload
    files of answers: the course's editors."""
    return can_edit_course(user, course)


def judging_course_or_404(slug: str):
    """The course named in the URL if the current user may judge its late answers: 404 when it does not exist,
    403 (or the sign-in page) when it is not theirs."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_judge_late_answers, course)
    return course
