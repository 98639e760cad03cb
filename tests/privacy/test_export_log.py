"""Admins see who exported personal data and when (audit actions "export.*"), by date, page by page."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.audit import services as audit
from lms.core import clock
from lms.extensions import db as _db

pytestmark = pytest.mark.db


def record(action: str, actor, target=None, when: datetime | None = None, **details):
    clock.freeze(when)
    try:
        audit.record(action, actor=actor, target=target, institution_id=getattr(target, "institution_id", None),
                     **details)
        _db.session.commit()
    finally:
        clock.freeze(None)


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)


def test_admin_sees_every_export_and_nothing_else(client, auth, world, db):
    record("export.personal_data", world["trainee"], world["trainee"], format="json")
    record("export.enrolments", world["coordinator"], None, format="csv", rows=12)
    record("auth.login", world["trainee"], world["trainee"])
    record("exported.not_an_export", world["admin"], None)
    auth.login(world["admin"].email)
    page = client.get("/admin/personal-data-exports").get_data(as_text=True)
    found = rows(page)
    assert len(found) == 2 and "2 exports" in page
    assert "export.personal_data" in found[1] and "Taras Trainee" in found[1] and "UA-ACAD" in found[1]
    assert "export.enrolments" in found[0] and "Kateryna Coordinator" in found[0] and "rows: 12" in found[0]
    assert "auth.login" not in page and "exported.not_an_export" not in page


def test_report_filters_by_date_and_pages(client, auth, world, db):
    day = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    for i in range(55):
        record("export.personal_data", world["trainee"], world["trainee"], when=day + timedelta(minutes=i))
    record("export.personal_data", world["other_trainee"], world["other_trainee"], when=day - timedelta(days=3))
    auth.login(world["admin"].email)
    first = client.get("/admin/personal-data-exports?date_from=2026-03-10&date_to=2026-03-10")
    text = first.get_data(as_text=True)
    assert "55 exports" in text and len(rows(text)) == 50 and "Giorgi" not in text
    assert 'rel="next"' in text and "date_from=2026-03-10" in text
    second = client.get("/admin/personal-data-exports?date_from=2026-03-10&date_to=2026-03-10&page=2")
    assert len(rows(second.get_data(as_text=True))) == 5
    earlier = client.get("/admin/personal-data-exports?date_to=2026-03-09").get_data(as_text=True)
    assert len(rows(earlier)) == 1 and "Giorgi Trainee" in earlier
    wrong = client.get("/admin/personal-data-exports?date_from=March").get_data(as_text=True)
    assert "Enter dates as YYYY-MM-DD." in wrong


def test_only_admins_see_the_report_and_its_link(client, auth, world, db):
    assert client.get("/admin/personal-data-exports").status_code == 302  # sign in first
    for role in ("trainee", "instructor", "coordinator"):
        auth.login(world[role].email)
        assert client.get("/admin/personal-data-exports").status_code == 403, role
        assert "/admin/personal-data-exports" not in client.get("/").get_data(as_text=True)
        auth.logout()
    auth.login(world["admin"].email)
    assert 'href="/admin/personal-data-exports"' in client.get("/").get_data(as_text=True)


def test_exports_by_the_command_line_and_by_an_anonymised_user_name_nobody(client, auth, world, db):
    from lms.privacy.services import anonymise_user

    record("export.personal_data", None, world["trainee"], format="json")
    anonymise_user(world["trainee"], world["admin"])
    auth.login(world["admin"].email)
    page = client.get("/admin/personal-data-exports").get_data(as_text=True)
    assert "Command line" in page and "Taras" not in page and "Anonymised user" in page
