"""Helpers the tests share: making data through the services, signing in through the pages."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

PASSWORD = "correct-horse-battery"


def postgres_admin_url() -> str:
    """URL of a database on the test PostgreSQL server from which test databases are created."""
    return os.environ.get("LMS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_available(url: str | None = None) -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        import psycopg

        with psycopg.connect(url or postgres_admin_url(), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


def redis_url() -> str:
    """The Redis database the tests may use (and empty): LMS_TEST_REDIS_URL, else the local server's database 15."""
    return os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers(url: str) -> bool:
    """Whether the Redis server at `url` answers."""
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def make_institution(code: str, name: str, country: str):
    """An institution, made through the service."""
    from lms.institutions.services import create_institution

    return create_institution(code, name, country)


def make_user(email: str, name: str, role: str, institution=None, password: str = PASSWORD, locale=None):
    """An account with a known password, made through the service."""
    from lms.people.services import create_user

    user, _token = create_user(email, name, role, institution.id if institution else None, locale=locale,
                               password=password)
    return user


def make_course(slug: str = "demo-course", title: str = "Demo course", status: str = "published", **kwargs):
    """A bare course row (content tests build full courses from packages instead)."""
    from lms.catalog.models import Course
    from lms.extensions import db

    kwargs.setdefault("summary", "A course.")
    kwargs.setdefault("language", "en")
    course = Course(slug=slug, title=title, status=status, **kwargs)
    db.session.add(course)
    db.session.commit()
    return course


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """Signs in and out through the sign-in page, as a person would."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        page = self.client.get("/login")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                                follow_redirects=follow)

    def logout(self):
        page = self.client.get("/profile")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, url: str, data: dict, form_page: str | None = None, **kwargs):
        """Submit a form: fetch its page for a CSRF token first, then post."""
        page = self.client.get(form_page or url)
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post(url, data={**data, "csrf_token": token}, **kwargs)


def answers_for(draw: list[dict], right: bool = True) -> dict:
    """Form fields answering every drawn question, all right or all wrong."""
    data: dict = {"questions": [item["slug"] for item in draw]}
    for item in draw:
        name, kind = f"a-{item['slug']}", item["kind"]
        if kind in ("single_choice", "multiple_choice"):
            data[name] = [str(c["id"]) for c in item["choices"] if c["correct"] == right]
            if kind == "single_choice":
                data[name] = data[name][:1]
        elif kind == "true_false":
            data[name] = "true" if item["answer"] == right else "false"
        elif kind == "short_text":
            data[name] = item["accepted"][0].upper() if right else "nothing like it"
        else:
            data[name] = str(item["value"]).replace(".", ",") if right else "-99999"
    return data


def sign_in_and_enrol(auth, email: str, slug: str = "sample"):
    """Sign `email` in and enrol them in the course `slug` through its page; returns `auth`."""
    auth.login(email)
    assert auth.post(f"/courses/{slug}/enrol", {}, form_page=f"/courses/{slug}").status_code == 302
    return auth


def start_attempt(auth, course_slug: str, quiz_slug: str) -> int:
    """Start (or continue) an attempt through the quiz page; returns its id."""
    response = auth.post(f"/courses/{course_slug}/quizzes/{quiz_slug}/start", {},
                         form_page=f"/courses/{course_slug}/quizzes/{quiz_slug}")
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"], response.headers
    return int(response.headers["Location"].rsplit("/", 1)[1])


def take_quiz(auth, db, course_slug: str, quiz_slug: str, right: bool = True):
    """Start an attempt, answer every question right (or wrong), submit; returns the review page."""
    from lms.quizzes.models import QuizAttempt

    attempt_id = start_attempt(auth, course_slug, quiz_slug)
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    saved = auth.post(f"/attempts/{attempt_id}", {**answers_for(draw, right), "action": "finish"},
                      form_page=f"/attempts/{attempt_id}")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-500:]
    submitted = auth.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    return auth.client.get(submitted.headers["Location"])


def make_staff(course, user, role: str = "owner"):
    """Put an instructor on a course's staff."""
    from lms.catalog.models import CourseStaff
    from lms.extensions import db

    db.session.add(CourseStaff(course_id=course.id, user_id=user.id, role=role))
    db.session.commit()


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs, in order (an executemany counts once): the tests that a
    page, a job or a report costs a fixed number of statements count them with this."""
    from sqlalchemy import event

    sent: list[str] = []

    def on_execute(_conn, _cursor, statement, _parameters, _context, _executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)

