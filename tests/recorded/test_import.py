"""Completions from a CSV file: the dry run names each wrong field by line and column, then confirming
records the file whole; coordinators only for their institution's people."""
from __future__ import annotations

import html as htmllib
import io
import re
import time

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.learning.models import Enrolment
from lms.learning.services import enrol
from lms.recorded.models import RecordedCompletion
from tests.helpers import make_user

pytestmark = pytest.mark.db

UNUSABLE = "this email address cannot be used here: ask an admin"


def upload(auth, text: str | bytes):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return auth.post("/completions/import", {"file": (io.BytesIO(content), "completions.csv")},
                     form_page="/completions/import", content_type="multipart/form-data")


def hidden_fields(page: str) -> dict:
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page))
    return {k: htmllib.unescape(v) for k, v in fields.items()}


def problems(html: str) -> set[tuple[str, str, str]]:
    """(line, column, message) of every problem of the preview."""
    found, line = set(), None
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        head = re.search(r'<th scope="rowgroup"[^>]*>(\d+)</th>', row)
        line = head.group(1) if head else line
        cell = re.search(r"<td><code>(\w+)</code></td><td>(.*?)</td>", row, re.S)
        if cell:
            found.add((line, cell.group(1), htmllib.unescape(cell.group(2)).strip()))
    return found


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_dry_run_names_line_column_and_fault_and_writes_nothing(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    page = upload(auth, "email,course,completed_on,hours,reason\n"
                        "trainee@example.org,sample,2025-11-14,16,Paper register\n"  # 2: fine
                        "not-an-email,sample,2025-11-14,,Paper\n"  # 3
                        "trainee@example.ge,sample,2025-11-14,,Paper\n"  # 4: another institution's
                        "trainee@example.org,no-such,14/11/2025,0,\n"  # 5
                        "trainee@example.org,sample,2999-01-01,2000,Paper\n"  # 6: and the same as line 2
                        "nobody@example.org,sample,2025-11-14,,Paper\n")  # 7: no account
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing has been saved yet." in html
    assert problems(html) == {
        ("3", "email", "not a valid email address: not-an-email"),
        ("4", "email", UNUSABLE),
        ("5", "course", "unknown course: no-such"),
        ("5", "completed_on", "14/11/2025 is not a date in the form YYYY-MM-DD"),
        ("5", "hours", "The hours must be more than 0 and at most 1000."),
        ("5", "reason", "Give the reason: where and how the training was done."),
        ("6", "completed_on", "The day of completion cannot be in the future."),
        ("6", "hours", "The hours must be more than 0 and at most 1000."),
        ("6", "course", "the same person and course are already on line 2"),
        ("7", "email", UNUSABLE),
    }
    assert "Confirm and record" not in html
    assert count(db, Enrolment) == 0 and count(db, RecordedCompletion) == 0


def test_an_admin_is_told_which_accounts_cannot_be_used_and_why(db, client, auth, world, course):
    auth.login(world["admin"].email)
    html = upload(auth, "email,course,completed_on,reason\nnobody@example.org,sample,2025-11-14,Paper\n"
                        "instructor@example.org,sample,2025-11-14,Paper\n").get_data(as_text=True)
    assert problems(html) == {("2", "email", "no account has this email address"),
                              ("3", "email", "this account is not a trainee's you may record for")}


def test_confirming_records_every_line_audited_and_counted(db, client, auth, world, course):
    second = make_user("second@example.org", "Second Trainee", "trainee", world["ua"])
    auth.login(world["coordinator"].email)
    enrol(second, course, actor=world["admin"], source="admin")
    preview = upload(auth, "email;course;completed_on;hours;reason\n"
                           "trainee@example.org;sample;2025-11-14;7,5;Paper register\n"
                           "second@example.org;sample;2024-03-02;;Earlier platform\n").get_data(as_text=True)
    assert "1 completion will be recorded as a new enrolment" in preview
    assert "1 current enrolment will be completed" in preview
    done = client.post("/completions/import/confirm", data=hidden_fields(preview))
    assert done.status_code == 200 and "Completions recorded" in done.get_data(as_text=True)
    rows = db.session.execute(select(Enrolment.user_id, Enrolment.source, Enrolment.status)
                              .where(Enrolment.source == "recorded")).all()
    assert sorted(rows) == sorted([(world["trainee"].id, "recorded", "completed"),
                                   (second.id, "recorded", "completed")])
    assert count(db, RecordedCompletion) == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "completion.recorded")) == 2
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "completion.import")).details["rows"] == 2
    again = client.post("/completions/import/confirm", data=hidden_fields(preview))
    assert "Something changed since the preview" in again.get_data(as_text=True)
    assert count(db, RecordedCompletion) == 2


def test_a_bad_file_is_refused_whole_with_a_reason(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    assert "missing: completed_on, reason" in upload(auth, "email,course\na@example.org,sample\n").get_data(as_text=True)
    assert "not in UTF-8" in upload(auth, b"email,course\n\xff\xfe").get_data(as_text=True)
    assert "larger than 2 MB" in upload(auth, "x" * (2 * 1024 * 1024 + 1)).get_data(as_text=True)


def test_the_template_downloads_and_reads_as_a_valid_header(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    template = client.get("/completions/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.decode("utf-8-sig").startswith("email,course,completed_on,hours,reason")


def test_the_parser_is_linear_in_the_file(db, world, course):
    from lms.recorded import imports

    def seconds(lines: int) -> float:
        """The best of three runs: a single run of a few milliseconds is at the mercy of the other test worker
        (a 5 ms small run once made a linear 0.38 s large one look quadratic)."""
        text = "email,course,completed_on,hours,reason\n" + "".join(
            f"p{i}@example.org,sample,2025-11-14,1,{'r' * 100}\n" for i in range(lines))
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            imports.plan(world["admin"], text.encode(), lambda person: True)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(100), seconds(1600)
    assert large < small * 16 * 4, (small, large)  # x16 the lines: well under x64 the time
