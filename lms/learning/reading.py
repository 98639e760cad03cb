"""The one writer of the language version a trainee reads a course in (Enrolment.content_language)."""
from __future__ import annotations

from lms.extensions import db
from lms.learning.models import Enrolment


def choose_version(enrolment: Enrolment, language: str | None) -> None:
    """Keep `language` (the course's own, or one of its versions; None: no choice, the interface language
    decides) as the version the trainee reads the course's lessons and
    takes its quizzes in; their progress, attempts and certificate stay one whatever the version."""
    enrolment.content_language = language
    db.session.commit()
