"""Work a person assesses, from end to end in headless Chromium (one live server, one browser): the course's
owner adds an assignment with a rubric and a practical assessment's checklist to a published course through the
editor's forms, makes both needed for completion and gives an assessor the course on the staff page; the trainee
(lessons and quizzes done beforehand) writes the assignment, adds a PDF and hands it in; the assessor, on a
phone's screen, marks the work with the rubric (held back) and signs off the practical; the owner releases the
mark and the course is completed; the trainee reads the mark, the rubric's levels and the feedback and is offered
the certificate; the owner reads the gradebook and downloads it as CSV and XLSX; another course's instructor and
another institution's coordinator are refused the handed-in file, the evidence and the checklist PDFs, and the
trainee's own coordinator sees the marks but not the files. A slip on each form (a rubric without levels, a
criterion left out) is refused with a message and loses nothing typed. What each person sees is checked, what
the server stored, and axe's WCAG 2.1 AA rules on the key pages."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from fpdf import FPDF
from openpyxl import load_workbook
from sqlalchemy import select

from lms.assignments.models import Assignment, Mark, Submission
from lms.catalog.models import Course, CourseStaff
from lms.core import clock
from lms.core.storage import current_storage
from lms.core.when import person_zone, today
from lms.learning.models import Certificate, Enrolment
from lms.practicals.models import Evidence, Practical, Record
from lms.runs.services import RunFields, create_run, enrol_in_run
from tests.browser.people import PHONE, Person
from tests.helpers import Auth, make_course, make_staff, make_user, take_quiz
from tests.images import diagram

pytestmark = [pytest.mark.browser, pytest.mark.db]

RUBRIC = """Analysis of risks | Names the main risks at the crossing
0 | None named
2 | Some risks
4 | Every main risk
Action plan | Steps, owners and dates
0 | Missing
3 | Partial
6 | Complete
"""
CRITERIA = [("Checks the seal against the manifest", True), ("Records the findings in the log", False),
            ("Briefs the next shift", False)]
WORK = "Risks: forged seals, false manifests. Plan: seal register by March, owner: shift lead."
FEEDBACK = "The risks are well named; give each step of the plan an owner and a date."
ASSIGNMENT, PRACTICAL = "Risk analysis and action plan", "Seal check at the crossing"


def fresh(db, model, *where):
    """The rows the server stored, read anew."""
    db.session.expire_all()
    return db.session.scalars(select(model).where(*where)).all()


def a_pdf(path) -> bytes:
    """A real one-page PDF (fpdf2, as the certificates are made), written to `path`."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Action plan: seal register, owners and dates.")
    data = bytes(document.output())
    path.write_bytes(data)
    return data


@pytest.fixture()
def people(db, world, course):
    """The published sample course (assignments and practicals not yet needed to complete it), its owner, an
    instructor to become its assessor, the trainee in a run, another course with its own instructor."""
    make_staff(course, world["instructor"], "owner")
    course.completion_assignments = course.completion_practicals = "none"
    db.session.commit()
    start = clock.now().date() - timedelta(days=1)
    run = create_run(course, RunFields(code="2027-A", title="Spring intake", starts_on=start,
                                       ends_on=start + timedelta(days=60)), world["admin"])
    enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    db.session.commit()
    outsider = make_user("outsider@example.org", "Oksana Outsider", "instructor")
    make_staff(make_course("customs-basics", "Customs basics"), outsider, "owner")
    assessor = make_user("assessor@example.org", "Olena Assessor", "instructor")
    return {**world, "course": course, "run": run, "assessor": assessor, "outsider": outsider}


def add_the_assignment(owner: Person, db, course) -> Assignment:
    """The owner adds the assignment; a rubric whose last criterion has no levels is refused first, and nothing
    else typed is lost."""
    page = owner.page
    owner.go("/author/")
    owner.click("main a:has-text('Sample course')")
    owner.click("#module-basics a:has-text('+ Assignment')")
    page.fill("#title", ASSIGNMENT)
    page.fill("#instructions", "Name the **main risks** at your crossing and plan what to do about them.")
    page.select_option("#accepts", "both")
    page.select_option("#file_kinds", ["pdf"])
    page.fill("#max_file_mb", "2")
    page.fill("#max_files", "2")
    page.fill("#pass_mark", "60")
    page.check("#hold_marks")
    page.fill("#rubric", RUBRIC.split("0 | Missing")[0])
    owner.axe("new assignment")
    owner.click("main button:has-text('Add the assignment')")
    assert "This criterion has no levels" in page.inner_text("#rubric-error")
    assert (page.input_value("#title"), page.input_value("#pass_mark"), page.input_value("#max_files")) == (
        ASSIGNMENT, "60", "2")
    assert page.is_checked("#hold_marks") and page.eval_on_selector(
        "#file_kinds", "s => [...s.selectedOptions].map(o => o.value)") == ["pdf"]
    assert not fresh(db, Assignment, Assignment.course_id == course.id)
    owner.axe("new assignment, refused")
    page.fill("#rubric", RUBRIC)
    owner.click("main button:has-text('Add the assignment')")
    assert "Assignment added." in owner.main()
    assert page.input_value("#rubric").split() == RUBRIC.split()  # read back as it was typed
    owner.axe("assignment editor")
    (assignment,) = fresh(db, Assignment, Assignment.course_id == course.id)
    assert (assignment.title, assignment.accepts, assignment.file_kinds, assignment.pass_mark, assignment.hold_marks,
            assignment.max_files, assignment.max_file_mb) == (ASSIGNMENT, "both", "pdf", 60, True, 2, 2)
    assert [(c["title"], [(lv["title"], lv["points"]) for lv in c["levels"]]) for c in assignment.rubric] == [
        ("Analysis of risks", [("None named", 0), ("Some risks", 2), ("Every main risk", 4)]),
        ("Action plan", [("Missing", 0), ("Partial", 3), ("Complete", 6)])]
    return assignment


def add_the_practical(owner: Person, db, course) -> Practical:
    """The owner adds the practical assessment and its three criteria, the first critical."""
    page = owner.page
    owner.click("nav.crumbs a:has-text('Sample course')")
    owner.click("#module-basics a:has-text('+ Practical assessment')")
    page.fill("#title", PRACTICAL)
    page.fill("#instructions", "At a working lane, with a loaded lorry.")
    page.fill("#pass_mark", "60")
    owner.click("main button:has-text('Add practical assessment')")
    assert "Practical added. Now add its criteria." in owner.main()
    for text, critical in CRITERIA:
        page.fill("#new-text", text)
        if critical:
            page.check("#new-critical")
        owner.click("main button:has-text('Add criterion')")
        assert "Criterion added." in owner.main()
    owner.axe("practical editor")
    (practical,) = fresh(db, Practical, Practical.course_id == course.id)
    assert (practical.title, practical.pass_mark, practical.hold_marks) == (PRACTICAL, 60, False)
    assert [(c.text, c.critical) for c in sorted(practical.criteria, key=lambda c: c.position)] == CRITERIA
    return practical


def hand_in(learner: Person, db, trainee, tmp_path) -> Submission:
    """The trainee writes the work, adds a PDF and hands it in."""
    page = learner.page
    pdf = a_pdf(tmp_path / "action-plan.pdf")
    learner.go("/courses/sample")
    learner.click(f"main a:has-text('{ASSIGNMENT}')")
    assert "Analysis of risks: Names the main risks at the crossing (0 / 2 / 4)" in learner.main()
    page.fill("#text", WORK)
    page.wait_for_selector(".save-status:has-text('Draft saved.')")  # a person pauses; the draft is kept
    page.set_input_files("#files", str(tmp_path / "action-plan.pdf"))
    learner.axe("assignment, a draft")
    learner.click("main button:has-text('Hand in')")
    main = learner.main()
    assert "Your work is handed in. You will see its mark here once it is released." in main
    assert "Try 1" in main and "waiting to be marked" in main and "action-plan.pdf" in main
    assert page.locator("main button:has-text('Hand in')").count() == 0
    learner.axe("assignment, handed in")
    (work,) = fresh(db, Submission, Submission.user_id == trainee.id)
    assert (work.status, work.number, work.text, work.late) == ("submitted", 1, WORK, False)
    assert [(f.name, f.mime_type, f.size) for f in work.files] == [("action-plan.pdf", "application/pdf", len(pdf))]
    assert current_storage().get(work.files[0].storage_key) == pdf
    return work


def mark_the_work(marker: Person, db, work, assessor) -> Mark:
    """On the phone: the queue, the work and its file, the rubric (a criterion left out first: refused, nothing
    lost), the feedback; the mark is held back, and the assessor cannot release it."""
    page = marker.page
    marker.click("a:has-text('Marking')")
    marker.axe("my marking")
    marker.click("main a:has-text('Sample course')")
    assert "Marking: Sample course" in page.inner_text("h1") and marker.fits()
    marker.axe("queue")
    marker.click(f"main a:has-text('{ASSIGNMENT}')")
    marker.click("main a:has-text('Taras Trainee')")
    assert page.inner_text("h1") == "Work of Taras Trainee"
    assert WORK in marker.main() and "action-plan.pdf" in marker.main()
    assert marker.fits(), "the marking page is wider than the phone"
    page.check("#level-0-2")  # Analysis of risks: Every main risk (4)
    page.fill("#feedback", FEEDBACK)
    marker.click("main button:has-text('Save the mark')")
    assert "Choose a level for criterion 2." in marker.main() and not fresh(db, Mark)
    assert page.is_checked("#level-0-2") and page.input_value("#feedback") == FEEDBACK
    assert marker.fits()
    marker.axe("marking page, refused")
    page.check("#level-1-1")  # Action plan: Partial (3)
    marker.click("main button:has-text('Save the mark')")
    assert "The mark is saved and held back until the marks of this assignment are released." in marker.main()
    (mark,) = fresh(db, Mark, Mark.submission_id == work.id)
    assert (mark.score, mark.percent, mark.passed, mark.levels, mark.assessor_id, mark.released_at, mark.feedback) \
        == (Decimal(7), Decimal(70), True, [2, 1], assessor.id, None, FEEDBACK)
    assert fresh(db, Submission, Submission.id == work.id)[0].status == "marked"
    marker.click("nav.crumbs a:has-text('Marking: Sample course')")
    queue = marker.main()
    assert "Marked 1" in queue and "Held back 1" in queue and "Release" not in queue  # the editors release
    return mark


def sign_off(marker: Person, db, practical, assessor, tmp_path) -> Record:
    """On the phone, from the queue: the practical's trainees, the checklist (a criterion left out first:
    refused, what was chosen and typed kept), the date, the place, a photo."""
    page = marker.page
    marker.click(f"main a:has-text('{PRACTICAL}')")
    assert "Taras Trainee" in marker.main() and marker.fits()
    marker.axe("practical's trainees")
    marker.click("main a:has-text('Sign off Taras Trainee')")
    criteria = sorted(practical.criteria, key=lambda c: c.position)
    results = ("met", "met", "not_met")
    for criterion, result in zip(criteria[:2], results, strict=False):
        page.check(f"#result-{criterion.id}-{result}")
    page.fill(f"#comment-{criteria[2].id}", "Forgot the briefing.")
    day = today(person_zone(assessor)) - timedelta(days=1)
    page.fill("#assessed_on", day.isoformat())
    page.fill("#place", "Checkpoint 7, lane 2")
    photo = tmp_path / "seal.png"
    photo.write_bytes(diagram(60, 40))
    page.set_input_files("#evidence", str(photo))
    assert marker.fits(), "the sign-off form is wider than the phone"
    marker.axe("sign-off")
    marker.click("main button[type=submit]:has-text('Sign off')")
    assert "Choose met, not met or not observed for every criterion." in marker.main()
    assert not fresh(db, Record, Record.practical_id == practical.id)
    assert [page.is_checked(f"#result-{c.id}-met") for c in criteria] == [True, True, False]
    assert (page.input_value(f"#comment-{criteria[2].id}"), page.input_value("#assessed_on"),
            page.input_value("#place")) == ("Forgot the briefing.", day.isoformat(), "Checkpoint 7, lane 2")
    assert marker.fits()
    marker.axe("sign-off, refused")
    page.check(f"#result-{criteria[2].id}-not_met")
    page.set_input_files("#evidence", str(photo))  # a browser never keeps a chosen file across pages
    marker.click("main button[type=submit]:has-text('Sign off')")
    assert "Signed off: Taras Trainee, Passed (66.67% of the criteria met)." in marker.main() and marker.fits()
    (record,) = fresh(db, Record, Record.practical_id == practical.id)
    assert (record.passed, record.percent, record.assessed_on, record.place, record.assessor_id) == (
        True, Decimal("66.67"), day, "Checkpoint 7, lane 2", assessor.id)
    assert record.released_at is not None
    assert sorted((r.criterion_id, r.result) for r in record.results) == [
        (c.id, r) for c, r in zip(criteria, results, strict=True)]
    return record


def gradebook_row(person: Person) -> list[str]:
    """The trainee's cells in the gradebook as seen (run, each item, total, missing), without the words only a
    screen reader reads (which name the trainee and the column again)."""
    row = person.page.locator("main table.gradebook tbody tr", has_text="Taras Trainee")
    return row.locator("td").evaluate_all(
        "cells => cells.map(c => { const copy = c.cloneNode(true); copy.querySelectorAll('.visually-hidden')"
        ".forEach(e => e.remove()); return copy.textContent.split(/\\s+/).join(' ').trim(); })")


def download_the_gradebook(owner: Person, trainee) -> None:
    """The owner's gradebook shows the trainee's results; its CSV and XLSX hold the same row."""
    owner.go("/courses/sample")
    owner.click("main a:has-text('Gradebook')")
    assert gradebook_row(owner) == ["2027-A", "100.0% passed", "70.0% passed", "66.7% passed", "100.0% passed",
                                    "84.2%", "0"]
    owner.axe("gradebook")
    for fmt in ("CSV", "XLSX"):
        with owner.page.expect_download() as download:
            owner.click(f"main a:has-text('{fmt}')")
        assert download.value.suggested_filename.endswith(f"-1-rows.{fmt.lower()}")
        data = download.value.path().read_bytes()
        if fmt == "CSV":
            header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        else:
            header, *rows = [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
        (mine,) = [dict(zip(header, r, strict=True)) for r in rows if r[header.index("trainee_email")] == trainee.email]
        values = {name.split(". ", 1)[-1]: value for name, value in mine.items()}
        assert (values["trainee_name"], values["institution"], values["run"], values["enrolment_status"]) == (
            "Taras Trainee", "Border Academy of Ukraine", "2027-A", "completed"), fmt
        numbers = {name: float(values[name]) for name in (
            "Check (%)", f"{ASSIGNMENT} (%)", f"{PRACTICAL} (%)", "Final assessment (%)", "total_percent")}
        assert numbers == {"Check (%)": 100.0, f"{ASSIGNMENT} (%)": 70.0, f"{PRACTICAL} (%)": 66.7,
                           "Final assessment (%)": 100.0, "total_percent": 84.2}, fmt
        assert (values[f"{ASSIGNMENT} (status)"] or "", values[f"{PRACTICAL} (status)"] or "") == ("", ""), fmt
        assert (int(values["items_graded"]), int(values["items_missing"])) == (4, 0), fmt


def test_work_a_person_assesses_from_the_editor_to_the_gradebook(chromium, live_server, app, db, people, tmp_path):
    course, trainee, assessor = people["course"], people["trainee"], people["assessor"]
    found: list[str] = []  # axe's violations page by page, and any fault of the server
    opened: list[Person] = []

    def browser(email: str, **options) -> Person:
        opened.append(Person(chromium, live_server, email, found, **options))
        return opened[-1]

    try:
        # 1. The owner, in the editor: the assignment, the practical, the rule of completion, the assessor.
        owner = browser(people["instructor"].email)
        assignment = add_the_assignment(owner, db, course)
        practical = add_the_practical(owner, db, course)
        owner.click("nav.crumbs a:has-text('Sample course')")
        owner.page.select_option("#completion_assignments", "all")
        owner.page.select_option("#completion_practicals", "all")
        owner.click("main button:has-text('Save settings')")
        assert "Course settings saved." in owner.main()
        owner.axe("course editor")
        (stored,) = fresh(db, Course, Course.id == course.id)
        assert (stored.status, stored.completion_assignments, stored.completion_practicals) == (
            "published", "all", "all")
        owner.click("main a:has-text('Staff')")
        owner.page.select_option("#user_id", str(assessor.id))
        owner.page.select_option("#role", "assessor")
        owner.click("main button:has-text('Add to the staff')")
        assert "Added to the staff." in owner.main() and "Olena Assessor Assessor" in owner.main()
        owner.axe("staff")
        assert [s.role for s in fresh(db, CourseStaff, CourseStaff.user_id == assessor.id)] == ["assessor"]

        # The trainee's lessons and quizzes, done beforehand through the pages without a browser (not the
        # subject here): the course is not completed yet.
        auth = Auth(app.test_client())
        auth.login(trainee.email)
        for lesson in ("intro", "second"):
            assert auth.client.get(f"/courses/sample/lessons/{lesson}").status_code == 200
        for quiz in ("check", "final"):
            assert "Passed." in take_quiz(auth, db, "sample", quiz).get_data(as_text=True)
        (enrolment,) = fresh(db, Enrolment, Enrolment.user_id == trainee.id)
        assert enrolment.status != "completed"

        # 2. The trainee hands in; 3. the assessor, on a phone, marks the work and signs off the practical.
        learner = browser(trainee.email)
        work = hand_in(learner, db, trainee, tmp_path)
        marker = browser(assessor.email, viewport=PHONE)
        mark = mark_the_work(marker, db, work, assessor)
        record = sign_off(marker, db, practical, assessor, tmp_path)
        assert fresh(db, Enrolment, Enrolment.id == enrolment.id)[0].status != "completed"  # the mark is held

        # The owner releases the held mark: the course is completed.
        owner.go("/assess")
        owner.click("main a:has-text('Sample course')")
        owner.click("main button:has-text('Release 1 held mark')")
        assert "1 mark is released; its trainee is told." in owner.main()
        assert fresh(db, Mark, Mark.id == mark.id)[0].released_at is not None
        assert fresh(db, Enrolment, Enrolment.id == enrolment.id)[0].status == "completed"
        (certificate,) = fresh(db, Certificate, Certificate.enrolment_id == enrolment.id)

        # 4. The trainee: completed, the certificate offered; the mark, the rubric's levels, the feedback; the
        # practical's outcome.
        learner.go("/courses/sample")
        assert "You have completed this course" in learner.main()
        link = learner.page.locator("main a:has-text('Download your certificate (PDF)')").get_attribute("href")
        assert certificate.code in link and learner.status(link) == 200
        learner.axe("course completed")
        learner.click(f"main a:has-text('{ASSIGNMENT}')")
        main = learner.main()
        assert "Try 1" in main and "· marked" in main and "Score: 7 of 10 (70.0%) · Passed" in main
        assert f"Feedback {FEEDBACK}" in main
        levels = [" ".join(r.split()) for r in learner.page.locator("main .mark table tbody tr").all_inner_texts()]
        assert levels == ["Analysis of risks Every main risk 4", "Action plan Partial 3"]
        learner.axe("assignment, marked")
        learner.click(f"main a:has-text('{PRACTICAL}')")
        main = learner.main()
        assert "Outcome Passed (66.67% of the criteria met)" in main and "Place Checkpoint 7, lane 2" in main
        assert "Assessor Olena Assessor" in main and "Briefs the next shift Not met Forgot the briefing." in main
        assert "seal.png" in main
        learner.axe("practical, passed")

        # 5. The owner's gradebook, on the page and as CSV and XLSX.
        download_the_gradebook(owner, trainee)

        # 6. Who opens the files: the assessor and (but the checklists) the trainee; another course's instructor
        # and another institution's coordinator are refused; the trainee's own coordinator reads the marks in the
        # gradebook, never the files.
        (evidence,) = fresh(db, Evidence, Evidence.record_id == record.id)
        checklist = f"/courses/sample/practicals/{practical.slug}"
        files = {"work file": f"/courses/sample/assess/submissions/{work.id}/files/{work.files[0].id}",
                 "own file": f"/courses/sample/assignments/{assignment.slug}/files/{work.files[0].id}",
                 "evidence": f"/practicals/evidence/{evidence.id}",
                 "checklist PDF": f"{checklist}/assess/{enrolment.id}/checklist.pdf",
                 "checklists PDF": f"{checklist}/checklists.pdf"}
        assert {name: marker.status(path) for name, path in files.items()} == dict.fromkeys(files, 200)
        assert {name: learner.status(path) for name, path in files.items()} == {
            "work file": 200, "own file": 200, "evidence": 200, "checklist PDF": 403, "checklists PDF": 403}
        refused = {**dict.fromkeys(files, 403), "evidence": 404}  # an evidence file's existence is not told
        for who in ("outsider", "other_coordinator", "coordinator"):
            person = browser(people[who].email)
            assert {name: person.status(path) for name, path in files.items()} == refused, who
        coordinator, foreign = opened[-1], opened[-2]
        coordinator.go("/courses/sample/gradebook")
        assert gradebook_row(coordinator) == ["2027-A", "100.0% passed", "70.0% passed", "66.7% passed",
                                              "100.0% passed", "84.2%", "0"]
        coordinator.axe("coordinator's gradebook")
        foreign.go("/courses/sample/gradebook")
        assert "Taras Trainee" not in foreign.main() and "No trainees to show." in foreign.main()
        assert not found, "\n".join(found)
    finally:
        for person in opened:
            person.context.close()
