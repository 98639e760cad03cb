"""Helpers the tests share: making data through the services, signing in through the pages."""
from __future__ import annotations

import os
import re

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

    course = Course(slug=slug, title=title, summary=kwargs.pop("summary", "A course."), language="en",
                    status=status, **kwargs)
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
