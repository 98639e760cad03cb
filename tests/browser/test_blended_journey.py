"""Blended training from end to end in headless Chromium, without JavaScript (the forms are plain HTML): an
admin gives the course an attendance rule, adds a run, its trainer and two sessions in Kyiv; a coordinator
enrols three officers into the run from their person pages; two sign up for the sessions; one reads the lessons
and passes the quizzes; the clock moves past the sessions; the trainer marks the register on a 390 px screen;
the officer has completed the course and the certificate states the hours; the coordinator downloads the run's
attendance and completion as XLSX; the officer's calendar feed lists the sessions at their times in Tbilisi.
What each person sees is checked, and what the server stored. On SQLite and on PostgreSQL (marker db)."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.attendance.models import AttendanceMark
from lms.auth.services import set_timezone
from lms.core import clock
from lms.learning.models import Certificate, Enrolment
from lms.runs.models import CourseRun
from lms.sessions.queries import sessions_of_place
from tests.browser.test_journey import take
from tests.helpers import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.db]

KYIV, TBILISI = ZoneInfo("Europe/Kyiv"), ZoneInfo("Asia/Tbilisi")


def sign_in(chromium, live_server, email: str, **options):
    """A browser of its own, without JavaScript, signed in as `email`."""
    context = chromium.new_context(java_script_enabled=False, accept_downloads=True, **options)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    return context, page


def at_the_place(day: datetime, hour: int) -> str:
    """The wall-clock time in Kyiv of `day` at `hour`, as a datetime-local field takes it."""
    return day.astimezone(KYIV).replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def test_blended_training_journey(chromium, live_server, db, world, course, tmp_path):
    start = clock.now().replace(second=0, microsecond=0)
    clock.freeze(start)
    contexts = []
    try:
        officer = world["trainee"]
        set_timezone(officer, "Asia/Tbilisi", world["admin"])
        officers = [officer] + [make_user(f"officer{i}@example.org", f"Officer {i}", "trainee", world["ua"])
                                for i in (2, 3)]
        db.session.commit()

        # The admin: the course needs every session attended and its certificates state the hours; a run of
        # the course, its trainer and two sessions in Kyiv, in two and three days.
        context, admin = sign_in(chromium, live_server, world["admin"].email)
        contexts.append(context)
        admin.goto(f"{live_server}/author/sample")
        admin.select_option("#completion_attendance", "all")
        admin.check("#certificate_states_hours")
        admin.click("button:has-text('Save settings')")
        admin.goto(f"{live_server}/author/sample/runs")
        today = start.date()
        admin.fill("#code", "2027-B1")
        admin.fill("#title", "Border intake")
        admin.fill("#starts_on", today.isoformat())
        admin.fill("#ends_on", (today + timedelta(days=30)).isoformat())
        admin.fill("#capacity", "10")
        admin.click("button:has-text('Add the run')")
        assert "Border intake" in admin.inner_text("main")
        run = db.session.scalar(select(CourseRun).where(CourseRun.code == "2027-B1"))
        admin.goto(f"{live_server}/author/sample/runs/{run.id}/trainers")
        admin.select_option("#user_id", str(world["instructor"].id))
        admin.click("button:has-text('Add the trainer')")
        admin.goto(f"{live_server}/author/sample/runs/{run.id}/sessions")
        for title, day, hour, length in (("Document checks", 2, 9, 2), ("Vehicle search", 3, 14, 3)):
            admin.select_option("#kind", "in_person")
            admin.fill("#title", title)
            admin.fill("#starts_local", at_the_place(start + timedelta(days=day), hour))
            admin.fill("#ends_local", at_the_place(start + timedelta(days=day), hour + length))
            admin.select_option("#zone", "Europe/Kyiv")
            admin.fill("#location", "Training centre, room 4")
            admin.click("button:has-text('Add the session')")
        listed = admin.inner_text("main")
        assert "Document checks" in listed and "Vehicle search" in listed
        first, second = [f.session for f in sessions_of_place(course.id, run.id)]

        # The coordinator enrols the three officers into the run from their person pages.
        context, coordinator = sign_in(chromium, live_server, world["coordinator"].email)
        contexts.append(context)
        for person in officers:
            coordinator.goto(f"{live_server}/people/{person.id}")
            coordinator.select_option("#enrol-course", f"sample@{run.id}")
            coordinator.click("form[aria-labelledby=enrol-heading] button")
            assert f"{person.name} is enrolled in Sample course, run Border intake." in coordinator.inner_text("main")
        db.session.expire_all()
        assert {e.user_id for e in db.session.scalars(select(Enrolment).where(Enrolment.run_id == run.id))} == {
            p.id for p in officers}

        # Two officers sign up for both sessions; the officer sees the times in Tbilisi (and at the place).
        for person in officers[:2]:
            context, page = sign_in(chromium, live_server, person.email)
            contexts.append(context)
            page.goto(f"{live_server}/courses/sample")
            for title in ("Document checks", "Vehicle search"):
                page.click(f"button:has-text('Sign up {title}')")
            assert page.inner_text("main").count("You are signed up.") == 2
        context, mine = sign_in(chromium, live_server, officer.email)
        contexts.append(context)
        mine.goto(f"{live_server}/courses/sample")
        starts_there = first.starts_at.astimezone(TBILISI).strftime("%H:%M")
        assert starts_there == "11:00" and starts_there in mine.inner_text("main")

        # The officer reads the lessons and passes both quizzes: not complete yet, the sessions are to come.
        mine.click("text=Continue where you left off")
        mine.click("a[rel=next]")
        mine.click("a[rel=next]")
        assert "Passed." in take(mine, db, right=True, javascript=False)
        mine.goto(f"{live_server}/courses/sample/quizzes/final")
        assert "Passed." in take(mine, db, right=True, javascript=False)
        mine.goto(f"{live_server}/courses/sample")
        assert "You have completed this course" not in mine.inner_text("main")

        # After both sessions the trainer marks the register on a phone, without JavaScript.
        clock.freeze(second.ends_at + timedelta(hours=1))
        context, trainer = sign_in(chromium, live_server, world["instructor"].email,
                                   viewport={"width": 390, "height": 844})
        contexts.append(context)
        trainer.goto(f"{live_server}/sessions/{first.id}/register")
        assert trainer.evaluate("document.documentElement.scrollWidth") <= 390
        trainer.click(f"label[for=mark-{officers[0].id}-present]")
        trainer.click(f"label[for=mark-{officers[1].id}-late]")
        trainer.click(f"label[for=mark-{officers[2].id}-absent]")
        trainer.click("button[value=save]")
        assert "3 marks changed" in trainer.inner_text("main")
        trainer.goto(f"{live_server}/sessions/{second.id}/register")
        trainer.click("button[value=everyone]")
        assert "3 marks changed" in trainer.inner_text("main")
        db.session.expire_all()
        marks = {(m.session_id, m.user_id): m.status for m in db.session.scalars(select(AttendanceMark))}
        assert marks == {(first.id, officers[0].id): "present", (first.id, officers[1].id): "late",
                         (first.id, officers[2].id): "absent", (second.id, officers[0].id): "present",
                         (second.id, officers[1].id): "present", (second.id, officers[2].id): "present"}

        # Marking the last session completed the officer's course: the certificate states the 5 hours.
        certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == officer.id))
        assert certificate is not None and float(certificate.attended_hours) == 5.0
        # Days went by: the sign-ins of before have ended; everyone signs in again.
        context, mine = sign_in(chromium, live_server, officer.email)
        contexts.append(context)
        mine.goto(f"{live_server}/courses/sample")
        assert "You have completed this course" in mine.inner_text("main")
        with mine.expect_download() as download:
            mine.click("text=Download your certificate (PDF)")
        pdf = tmp_path / "certificate.pdf"
        download.value.save_as(pdf)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            assert "Training sessions attended: 5 hours" in " ".join(text.split())

        # The coordinator downloads the run's attendance and completion from the report per run.
        context, coordinator = sign_in(chromium, live_server, world["coordinator"].email)
        contexts.append(context)
        coordinator.goto(f"{live_server}/reports/runs")
        assert "Border intake" in coordinator.inner_text("main")
        with coordinator.expect_download() as download:
            coordinator.click("a:has-text('XLSX trainees of Border intake')")
        sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
        header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        by_email = {r[header.index("trainee_email")]: dict(zip(header, r, strict=True)) for r in rows}
        assert set(by_email) == {p.email for p in officers}
        assert {r["run_code"] for r in by_email.values()} == {"2027-B1"}
        assert by_email[officer.email]["status"] == "completed"
        assert by_email[officer.email]["attendance_rate_percent"] == 100
        assert by_email[officer.email]["hours_attended"] == 5
        assert by_email[officers[2].email]["attendance_rate_percent"] == 50

        # The officer's calendar feed lists both sessions at their times in Kyiv, 11:00 in Tbilisi for the first.
        mine.goto(f"{live_server}/calendar/")
        mine.click("button:has-text('Make my calendar address')")
        address = mine.input_value("#feed-url")
        feed = mine.context.request.get(address)
        assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(feed.body()).walk("VEVENT")}
        document_checks = events["Sample course: Document checks"]
        assert document_checks["DTSTART"].params["TZID"] == "Europe/Kyiv"
        assert document_checks["DTSTART"].dt.astimezone(TBILISI).strftime("%H:%M") == "11:00"
        assert document_checks["DTSTART"].dt.astimezone(UTC) == first.starts_at.astimezone(UTC)
        assert "Sample course: Vehicle search" in events
    finally:
        clock.freeze(None)
        for context in contexts:
            context.close()
