"""A known data set for the report tests, built through the services with the clock frozen.

Figures expected from it are computed by hand in the tests. The data set is built once per module
(`dataset`) for tests that only read; such tests use `reader` (a client on that data, no
truncation between tests) instead of `client`/`db`.

Institutions UA-ACAD (UA) and GE-ACAD (GE); courses "sample" (lessons intro and second, quiz
"check", final "final") and "other" (the same content). In UTC:

| trainee | inst | course | enrolled         | what they did                                         | state       |
|---------|------|--------|------------------|-------------------------------------------------------|-------------|
| anna    | UA   | sample | 2024-01-10 10:00 | both lessons, check 100, final 100; done 01-13 10:00  | completed   |
| bohdan  | UA   | sample | 2024-01-10 10:00 | intro, check 0                                        | in progress |
| chrystia| UA   | sample | 2024-02-01 10:00 | nothing                                               | not started |
| dmytro  | UA   | sample | 2024-02-01 10:00 | both, check 100, final 0 then 100; done 02-08 10:00   | completed   |
| ella    | UA   | sample | 2024-02-05 10:00 | both, check 100, final 0                              | in progress |
| anna    | UA   | other  | 2024-02-10 10:00 | nothing                                               | not started |
| giorgi  | GE   | sample | 2024-03-01 10:00 | both, check 100, final 100; done 03-02 22:00          | completed   |
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.helpers import answers_for, make_institution, make_user

UA, GE = "UA-ACAD", "GE-ACAD"


def at(text: str) -> datetime:
    """An aware UTC moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def import_sample(root, slug: str = "sample"):
    """Import and publish the sample course package under `slug`."""
    from lms.catalog.queries import course_by_slug
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import write_sample

    spec, problems = read_package(write_sample(root, slug))
    assert not problems
    import_course(spec, publish=True)
    return course_by_slug(slug)


class Actions:
    """Trainee actions through the services, each at a frozen moment."""

    def __init__(self, db):
        self.db = db

    def enrol(self, user, course, when: str, **kwargs):
        from lms.core import clock
        from lms.learning.services import enrol

        clock.freeze(at(when))
        try:
            return enrol(user, course, **kwargs)[0]
        finally:
            clock.freeze(None)

    def view(self, enrolment, course, lesson_slug: str, when: str):
        from lms.core import clock
        from lms.learning.queries import lesson_visit
        from lms.learning.services import record_lesson_view

        clock.freeze(at(when))
        try:
            visit = lesson_visit(enrolment.user_id, course.slug, lesson_slug)
            record_lesson_view(enrolment, visit.lesson, course, progress=visit.progress)
        finally:
            clock.freeze(None)

    def quiz(self, enrolment, course, quiz_slug: str, when: str, right: bool = True, submit: bool = True):
        """Start an attempt, answer everything right or wrong, submit (unless told not to)."""
        from lms.core import clock
        from lms.quizzes import services
        from lms.quizzes.models import Quiz

        quiz = self.db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == quiz_slug))
        clock.freeze(at(when))
        try:
            attempt = services.start_attempt(enrolment, quiz)
            if not submit:
                return attempt
            data = answers_for(attempt.draw, right)
            raw = {k[2:]: (v if isinstance(v, list) else [v]) for k, v in data.items() if k.startswith("a-")}
            services.submit_attempt(attempt, services.parse_responses(attempt, raw, data["questions"]))
            return attempt
        finally:
            clock.freeze(None)

    def complete_course(self, enrolment, course, start: str, end: str):
        """Both lessons, check right at `start`, final right at `end` (which completes)."""
        self.view(enrolment, course, "intro", start)
        self.view(enrolment, course, "second", start)
        self.quiz(enrolment, course, "check", start)
        self.quiz(enrolment, course, "final", end)


def build_dataset(db, tmp_path) -> dict:
    """The data set of the module docstring; returns the people and courses by name."""
    ua = make_institution(UA, "Border Academy of Ukraine", "UA")
    ge = make_institution(GE, "Border Police Academy of Georgia", "GE")
    people = {
        "admin": make_user("admin@example.org", "Ada Admin", "admin"),
        "coordinator": make_user("coord@example.org", "Kateryna Coordinator", "coordinator", ua),
        "other_coordinator": make_user("coord@example.ge", "Nino Coordinator", "coordinator", ge),
        "instructor": make_user("instructor@example.org", "Ivan Instructor", "instructor"),
        "anna": make_user("anna@example.org", "Anna Antonenko", "trainee", ua),
        "bohdan": make_user("bohdan@example.org", "Bohdan Bondar", "trainee", ua),
        "chrystia": make_user("chrystia@example.org", "Chrystia Chorna", "trainee", ua),
        "dmytro": make_user("dmytro@example.org", "Dmytro Danylenko", "trainee", ua),
        "ella": make_user("ella@example.org", "Ella Yevtushenko", "trainee", ua),
        "giorgi": make_user("giorgi@example.ge", "Giorgi Gelashvili", "trainee", ge),
    }
    sample = import_sample(tmp_path / "p1", "sample")
    other = import_sample(tmp_path / "p2", "other")
    act = Actions(db)
    e = {}
    e["anna"] = act.enrol(people["anna"], sample, "2024-01-10 10:00")
    act.complete_course(e["anna"], sample, "2024-01-11 09:00", "2024-01-13 10:00")
    e["bohdan"] = act.enrol(people["bohdan"], sample, "2024-01-10 10:00")
    act.view(e["bohdan"], sample, "intro", "2024-01-12 08:00")
    act.quiz(e["bohdan"], sample, "check", "2024-01-12 08:30", right=False)
    e["chrystia"] = act.enrol(people["chrystia"], sample, "2024-02-01 10:00")
    e["dmytro"] = act.enrol(people["dmytro"], sample, "2024-02-01 10:00")
    act.view(e["dmytro"], sample, "intro", "2024-02-02 10:00")
    act.view(e["dmytro"], sample, "second", "2024-02-02 10:00")
    act.quiz(e["dmytro"], sample, "check", "2024-02-03 10:00")
    act.quiz(e["dmytro"], sample, "final", "2024-02-05 10:00", right=False)
    act.quiz(e["dmytro"], sample, "final", "2024-02-08 10:00")
    e["ella"] = act.enrol(people["ella"], sample, "2024-02-05 10:00")
    act.view(e["ella"], sample, "intro", "2024-02-06 10:00")
    act.view(e["ella"], sample, "second", "2024-02-06 10:00")
    act.quiz(e["ella"], sample, "check", "2024-02-06 11:00")
    act.quiz(e["ella"], sample, "final", "2024-02-20 15:00", right=False)
    e["anna_other"] = act.enrol(people["anna"], other, "2024-02-10 10:00")
    e["giorgi"] = act.enrol(people["giorgi"], sample, "2024-03-01 10:00")
    act.complete_course(e["giorgi"], sample, "2024-03-01 12:00", "2024-03-02 22:00")
    db.session.expire_all()
    return {"people": {k: v.id for k, v in people.items()}, "ua": ua.id, "ge": ge.id, "sample": sample.id,
            "other": other.id, "enrolments": {k: v.id for k, v in e.items()}}


@pytest.fixture(scope="module")
def dataset(app, tmp_path_factory):
    """The data set, built once for a module whose tests only read it; emptied after the module."""
    from lms.extensions import db
    from tests.conftest import _truncate

    with app.app_context():
        data = build_dataset(db, tmp_path_factory.mktemp("dataset"))
        db.session.remove()
    yield data
    with app.app_context():
        db.session.remove()
        _truncate(db)


@pytest.fixture()
def reader(app, dataset):
    """A client (and an app context for the test's own reads) on the module's data set."""
    from lms.extensions import db
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app.test_client()
        db.session.remove()


def user(db, data, name):
    """The User of the data set named `name`."""
    from lms.auth.models import User

    return db.session.get(User, data["people"][name])

