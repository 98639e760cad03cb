"""The staff's journeys in headless Chromium, with JavaScript and without: the instructor, the coordinator and
the admin each sign in on the sign-in page and go on by the links of the header and of the pages, as a person
does. Each journey checks what the person sees and what the server stored; with JavaScript on, axe checks
the main pages visited (axe cannot run in a page whose scripts are off). The trainee's journey is in
test_journey.py."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.catalog.models import Lesson
from lms.core import clock
from lms.institutions.models import Institution
from lms.learning import services as learning
from lms.learning.models import Certificate, Enrolment
from lms.quizzes.models import Question, Quiz
from tests.axe import violations
from tests.helpers import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]

JOURNEY = pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])


class Visit:
    """One person's browser (JavaScript on or off) and what went wrong on the way: dialogs, requests leaving
    the site, answers of 400 or more (less those the journey expects), pages axe finds fault with."""

    def __init__(self, chromium, live_server: str, javascript: bool):
        self.base, self.javascript = live_server, javascript
        self.context = chromium.new_context(java_script_enabled=javascript, accept_downloads=True,
                                            bypass_csp=javascript)  # axe is injected into the pages
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)  # a missing link fails in seconds, not after playwright's 30
        self.problems: list[str] = []
        self.expected_errors: set[str] = set()
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: None if r.url.startswith(live_server)
                     else self.problems.append(f"outside {r.url}"))
        self.page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}")
                     if r.status >= 400 and r.url not in self.expected_errors else None)

    def sign_in(self, user) -> None:
        """The only address typed: the sign-in page."""
        self.page.goto(f"{self.base}/login")
        self.page.fill("#email", user.email)
        self.page.fill("#password", PASSWORD)
        self.submit("main button[type=submit]")
        assert f"Welcome, {user.name}" in self.main()

    def header(self, label: str) -> None:
        """Follow a link of the header's navigation, to the page loaded (its scripts run: see `link`)."""
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
        self.page.wait_for_load_state()

    def link(self, name: str, within: str = "main") -> None:
        """Follow the link of that exact name in a part of the page, to the page loaded: a click returns once
        the next page's navigation has committed, maybe before its deferred scripts have run."""
        self.page.locator(within).get_by_role("link", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def submit(self, selector: str) -> None:
        """Click a form's button and wait for the page it leads to, loaded: the click alone may return before
        that page is parsed, and a list read then has no rows (the audit log's filtered table once had none)."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def main(self) -> str:
        return self.page.inner_text("main")

    def axe(self, what: str) -> None:
        """axe's WCAG 2.1 A/AA rules on the page as it is now (only with JavaScript: axe is a script)."""
        if self.javascript:
            found = violations(self.page)
            assert not found, f"{what}: {found}"

    def refused(self, path: str) -> int:
        """The status of an address typed by hand, as someone trying another institution's page would."""
        url = f"{self.base}{path}"
        self.expected_errors.add(url)
        return self.page.goto(url).status

    def download(self, name: str, within: str = "main .report-links") -> tuple[str, bytes]:
        with self.page.expect_download() as info:
            self.link(name, within)
        download = info.value
        with open(download.path(), "rb") as f:
            return download.suggested_filename, f.read()

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def visit(chromium, live_server, javascript):
    opened = Visit(chromium, live_server, javascript)
    yield opened
    opened.close()


def fresh(db, model, *where):
    """What the server stored, read anew."""
    db.session.expire_all()
    return db.session.scalars(select(model).where(*where)).all()


@JOURNEY
def test_instructor_journey(visit, db, world, course, javascript):
    instructor, trainee = world["instructor"], world["trainee"]
    make_staff(course, instructor)
    enrolment, _created = learning.enrol(trainee, course)  # a learner for the dashboard, one lesson read
    intro = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "intro"))
    learning.record_lesson_view(enrolment, intro, course)
    db.session.commit()
    page = visit.page

    visit.sign_in(instructor)
    visit.header("Authoring")
    assert "Sample course" in visit.main()
    visit.axe("authoring index")
    visit.link("Sample course")
    assert page.url == f"{visit.base}/author/sample/"
    visit.axe("course editor")

    # The lesson: the new text in the preview first (nothing saved yet), then saved.
    visit.link("Introduction", "main .outline")
    added = "Compare the entry stamp with the visa's dates."
    body = page.input_value("#body")
    page.fill("#body", f"{body}\n{added}\n")
    visit.submit("button[value=preview]")
    assert added in page.inner_text("section:has(#preview-heading) article")
    assert added not in fresh(db, Lesson, Lesson.id == intro.id)[0].body
    visit.axe("lesson editor with its preview")
    visit.submit("button[value=save]")
    assert "Lesson saved." in visit.main()
    assert page.input_value("#body").rstrip().endswith(added)
    assert fresh(db, Lesson, Lesson.id == intro.id)[0].body.rstrip().endswith(added)

    # A question added to the quiz "Check".
    visit.link("Sample course", "nav.crumbs")
    visit.link("Check", "main .outline")
    assert "5 questions in the bank" in visit.main()
    visit.link("True or false")
    visit.axe("question form")
    page.fill("#text", "A visa is a travel document.")
    page.select_option("#true_false_answer", "false")
    page.fill("#explanation", "A visa is an authorisation, placed in a travel document.")
    visit.submit("text=Save question")
    assert page.url == f"{visit.base}/author/sample/quizzes/check"
    main = visit.main()
    assert "Question saved." in main and "6 questions in the bank" in main
    assert "A visa is a travel document." in page.inner_text("section:has(#bank-heading) ol.items")
    visit.axe("quiz and its question bank")
    check = fresh(db, Quiz, Quiz.course_id == course.id, Quiz.slug == "check")[0]
    [question] = fresh(db, Question, Question.quiz_id == check.id, Question.text == "A visa is a travel document.")
    assert (question.kind, question.true_false_answer, question.draft) == ("true_false", False, False)

    # The lesson as trainees see it now.
    visit.link("Sample course", "nav.crumbs")
    visit.link("View as trainees see it")
    visit.link("Introduction", "main .outline")
    assert page.url == f"{visit.base}/courses/sample/lessons/intro"
    assert added in page.inner_text("main article")
    visit.axe("lesson as trainees see it")

    # The learners' results.
    visit.header("Authoring")
    visit.link("Dashboard")
    assert page.url == f"{visit.base}/author/sample/dashboard"
    learner = page.locator("tr", has_text="Taras Trainee").inner_text()
    assert "UA-ACAD" in learner and "In progress" in learner
    assert "Check" in page.inner_text("table:has-text('Pass rate')")
    visit.axe("dashboard")
    assert visit.problems == []


def bulk_file(due: str) -> bytes:
    return (f"email,name,courses,due\npetro.bondar@example.org,Петро Бондар,sample,{due}\n").encode()


@JOURNEY
def test_coordinator_journey(visit, db, world, course, javascript):
    coordinator, ua, ge = world["coordinator"], world["ua"], world["ge"]
    for trainee in (world["trainee"], world["other_trainee"]):  # a trainee of each institution, completed
        enrolment, _created = learning.enrol(trainee, course)
        learning.complete_enrolment(enrolment, course)
    db.session.commit()
    due = (clock.now() + timedelta(days=90)).date().isoformat()
    page = visit.page

    visit.sign_in(coordinator)
    visit.header("People")
    main = visit.main()
    assert "Trainees of Border Academy of Ukraine." in main
    assert "Taras Trainee" in main and "Giorgi Trainee" not in main
    visit.axe("people")

    # A new officer's account, then enrolled from the officer's page.
    visit.link("Add an account")
    page.fill("#email", "Olena.Kovalenko@example.org")
    page.fill("#name", "Olena Kovalenko")
    assert page.locator("#institution_id option:checked").inner_text() == "Border Academy of Ukraine (UA-ACAD)"
    visit.axe("new account form")
    visit.submit("text=Create account")
    assert "Set-password link for Olena Kovalenko" in page.inner_text("h1")
    assert "/set-password/" in page.input_value("#link")
    [olena] = fresh(db, User, User.email == "olena.kovalenko@example.org")
    assert (olena.role, olena.institution_id, olena.password_hash) == ("trainee", ua.id, None)
    visit.axe("set-password link")
    visit.link("Back to people")
    visit.link("Olena Kovalenko")  # the officer's page: the training record
    assert page.url == f"{visit.base}/people/{olena.id}" and "No enrolments." in visit.main()
    page.select_option("#enrol-course", label="Sample course")
    page.fill("#enrol-due", due)
    visit.axe("enrol a trainee")
    visit.submit("form[aria-labelledby=enrol-heading] button:has-text('Enrol')")
    assert page.url == f"{visit.base}/people/{olena.id}"
    assert "Olena Kovalenko is enrolled in Sample course." in visit.main()
    [enrolment] = fresh(db, Enrolment, Enrolment.user_id == olena.id)
    assert (enrolment.course_id, enrolment.source, enrolment.due_on.isoformat()) == (course.id, "coordinator",
                                                                                     due)

    # Another officer from a file: preview, then applied.
    visit.header("Reports")
    visit.link("Enrol trainees from a file")
    page.set_input_files("#file", {"name": "officers.csv", "mimeType": "text/csv", "buffer": bulk_file(due)})
    visit.submit("main button:has-text('Preview')")
    assert "1 account will be created, 1 enrolment will be made." in " ".join(visit.main().split())
    visit.axe("bulk preview")
    assert fresh(db, User, User.email == "petro.bondar@example.org") == []  # a preview writes nothing
    visit.submit("text=Confirm and apply")
    assert "Enrolments applied" in page.inner_text("h1") and "Петро Бондар" in visit.main()
    [petro] = fresh(db, User, User.email == "petro.bondar@example.org")
    assert (petro.role, petro.institution_id) == ("trainee", ua.id)
    assert [(e.course_id, e.source) for e in fresh(db, Enrolment, Enrolment.user_id == petro.id)] == [
        (course.id, "bulk")]

    # The completion report (their institution only), filtered, drilled into, downloaded.
    visit.link("Completion report")
    page.select_option("#course", label="Sample course")
    visit.submit("form.filters button:has-text('Apply')")  # the report's page, loaded whole, before it is read
    assert "course=sample" in page.url
    rows = page.locator("table.report tbody tr").all_inner_texts()
    assert len(rows) == 1 and rows[0].split("\t")[:4] == ["UA-ACAD", "Sample course", "3", "2"]
    visit.axe("completion report")
    visit.link("Sample course", "table.report")
    assert "3 trainees" in page.inner_text("caption")
    names = page.locator("table.report tbody th").all_inner_texts()
    assert sorted(names) == ["Olena Kovalenko", "Taras Trainee", "Петро Бондар"]
    visit.axe("drill-down")
    name, plain = visit.download("CSV")
    assert name.endswith(".csv") and not plain.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(plain.decode("utf-8"))))
    assert sorted(r["trainee_name"] for r in table) == names and {r["institution_code"] for r in table} == {"UA-ACAD"}
    assert {r["trainee_email"]: r["status"] for r in table} == {
        "trainee@example.org": "completed", "olena.kovalenko@example.org": "not_started",
        "petro.bondar@example.org": "not_started"}
    excel_name, excel = visit.download("CSV for Excel")
    assert excel_name.endswith("-excel.csv") and excel == b"\xef\xbb\xbf" + plain
    exports = fresh(db, AuditEvent, AuditEvent.action.like("export.%"), AuditEvent.actor_id == coordinator.id)
    assert sorted(e.details["format"] for e in exports) == ["csv", "csv-excel"]
    assert {e.details["rows"] for e in exports} == {3}

    # Another institution's officer: not in the list, and not found at their addresses.
    visit.header("People")
    assert "Giorgi Trainee" not in visit.main()
    assert visit.refused(f"/people/{world['other_trainee'].id}/edit") == 404
    assert visit.refused(f"/people/{world['other_trainee'].id}/enrol") == 404
    assert visit.refused(f"/people/{world['other_trainee'].id}") == 404
    assert visit.refused(f"/people/{world['other_trainee'].id}/record.pdf") == 404
    assert visit.refused(f"/reports/institutions/{ge.code}/courses/sample") == 404
    assert visit.problems == []


@JOURNEY
def test_admin_journey(visit, db, world, course, javascript):
    admin, trainee = world["admin"], world["trainee"]
    enrolment, _created = learning.enrol(trainee, course)  # a completed course, with its certificate
    certificate = learning.complete_enrolment(enrolment, course)
    db.session.commit()
    code = certificate.code
    page = visit.page

    visit.sign_in(admin)
    visit.header("Institutions")
    visit.axe("institutions")
    visit.link("Add an institution")
    page.fill("#code", "MD-BPA")
    page.fill("#name", "Border Police Academy of Moldova")
    page.fill("#country", "md")
    visit.axe("new institution form")
    visit.submit("main button:has-text('Save')")
    assert "Institution Border Police Academy of Moldova added." in visit.main()
    assert "MD-BPA" in page.inner_text("main table")
    [moldova] = fresh(db, Institution, Institution.code == "MD-BPA")
    assert (moldova.name, moldova.country, moldova.active) == ("Border Police Academy of Moldova", "MD", True)

    visit.header("People")
    visit.link("Add an account")
    page.fill("#email", "ion.rusu@example.md")
    page.fill("#name", "Ion Rusu")
    page.select_option("#role", label="Coordinator")
    page.select_option("#institution_id", label="Border Police Academy of Moldova (MD-BPA)")
    visit.submit("text=Create account")
    assert "Set-password link for Ion Rusu" in page.inner_text("h1")
    [ion] = fresh(db, User, User.email == "ion.rusu@example.md")
    assert (ion.role, ion.institution_id) == ("coordinator", moldova.id)

    # A certificate revoked from its verification page, reached through the report.
    visit.header("Reports")
    page.select_option("#institution", label="Border Academy of Ukraine (UA-ACAD)")
    visit.submit("form.filters button:has-text('Apply')")  # the report's page, loaded whole, before it is read
    visit.link("Sample course", "table.report")
    visit.link(code, "table.report")
    assert page.url == f"{visit.base}/verify/{code}"
    assert "This certificate is valid." in visit.main()
    visit.axe("verification page with the revoke form")
    page.fill("#reason", "Issued in error: the final assessment was retaken under supervision.")
    visit.submit("main button:has-text('Revoke')")
    main = visit.main()
    assert "The certificate is revoked." in main and "This certificate has been revoked." in main
    [stored] = fresh(db, Certificate, Certificate.code == code)
    assert stored.revoked_at is not None and stored.revoked_by_id == admin.id
    assert stored.revoked_reason.startswith("Issued in error")
    assert fresh(db, Enrolment, Enrolment.id == enrolment.id)[0].status == "completed"  # the completion stays

    # The job queue's page, from the footer: nothing failed.
    visit.link("Background jobs", "footer")
    assert "No job has failed." in visit.main()
    visit.axe("background jobs")
    # The outbox, from the footer: the new coordinator's set-password mail waits for the worker (none runs here).
    visit.link("Outbox", "footer")
    assert "ion.rusu@example.md" in visit.main()
    visit.axe("outbox")

    # The audit log holds what was just done, by whom.
    visit.header("Audit log")
    visit.axe("audit log")
    done = {}
    for row in page.locator("main table tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        done.setdefault(cells[1], cells)
    for action in ("institution.created", "user.created", "certificate.revoked"):
        assert done[action][2] == "Ada Admin", action
    assert code in done["certificate.revoked"][4]
    page.select_option("#action", "institution.created")
    visit.submit("main form button:has-text('Filter')")
    rows = [row.locator("td").all_inner_texts() for row in page.locator("main table tbody tr").all()]
    assert {cells[1] for cells in rows} == {"institution.created"}  # the two of the fixtures, by the system, too
    assert "3 events" in page.inner_text("caption")
    assert rows[0][2] == "Ada Admin" and '"MD-BPA"' in rows[0][4]  # newest first
    events = {e.action: e for e in fresh(db, AuditEvent, AuditEvent.actor_id == admin.id)}
    assert events["institution.created"].target_id == moldova.id
    assert events["user.created"].target_id == ion.id and events["user.created"].details["role"] == "coordinator"
    assert events["certificate.revoked"].target_id == stored.id

    # Signed out, as anyone who checks the certificate: revoked, and nothing to act on.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{visit.base}/verify/{code}")  # the address printed on the certificate
    main = visit.main()
    assert "This certificate has been revoked." in main and "Revoke" not in main
    visit.axe("public verification page")
    assert visit.problems == []
