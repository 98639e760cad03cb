"""The trainee's page of an assignment: write and save without JavaScript, autosave, files while a draft, hand
in, late rules with extensions, a new try after a return, released marks only, and the bad-input list."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assignments.models import Mark, Submission, SubmissionFile
from lms.core import clock
from lms.core.storage import current_storage
from tests.assignments.conftest import EXE, PAGE, PDF, SCRIPTED_PDF, zip_bytes
from tests.helpers import csrf_token

pytestmark = pytest.mark.db


def send(auth, action="save", text=None, files=(), page=PAGE, **extra):
    data = {"action": action, **extra}
    if text is not None:
        data["text"] = text
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return auth.post(page, data, form_page=page, content_type="multipart/form-data")


def tries(db):
    db.session.expire_all()
    return list(db.session.scalars(select(Submission).order_by(Submission.number)))


def stored_keys(db):
    return [f.storage_key for f in db.session.scalars(select(SubmissionFile))]


def test_the_page_shows_instructions_due_date_and_what_may_be_handed_in(auth, assigned):
    auth.login("trainee@example.org")
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "<strong>your</strong> plan" in html
    assert "pdf, docx; at most 1 MB each" in html
    assert "no due date" in html  # no run, no enrolment due date, no date on the assignment
    assert 'name="text"' in html and 'type="file"' in html


def test_the_course_outline_lists_the_assignment_with_its_link(auth, assigned):
    auth.login("trainee@example.org")
    html = auth.client.get("/courses/planning").get_data(as_text=True)
    assert f'href="{PAGE}"' in html and "Draft action plan" in html and "Assignment" in html


def test_save_without_javascript_keeps_a_private_draft(auth, assigned, db):
    auth.login("trainee@example.org")
    response = send(auth, text="My first ideas")
    assert response.status_code == 302
    [draft] = tries(db)
    assert (draft.status, draft.text, draft.number) == ("draft", "My first ideas", 1)
    assert "My first ideas" in auth.client.get(PAGE).get_data(as_text=True)


def test_autosave_answers_json_and_saves_the_text_alone(auth, assigned, db):
    auth.login("trainee@example.org")
    token = csrf_token(auth.client.get(PAGE).get_data(as_text=True))
    response = auth.client.post(PAGE, data={"csrf_token": token, "text": "typed", "action": "save"},
                                headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["saved"] is True
    assert tries(db)[0].text == "typed"


def test_a_pdf_is_uploaded_removed_and_the_work_handed_in(auth, assigned, db):
    auth.login("trainee@example.org")
    assert send(auth, text="Plan", files=[("plan.pdf", PDF)]).status_code == 302
    [file] = db.session.scalars(select(SubmissionFile)).all()
    assert (file.name, file.mime_type, file.size) == ("plan.pdf", "application/pdf", len(PDF))
    assert current_storage().get(file.storage_key) == PDF
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "plan.pdf" in html
    assert send(auth, action=f"remove-{file.id}", text="Plan").status_code == 302
    assert stored_keys(db) == [] and not current_storage().exists(file.storage_key)
    assert send(auth, action="submit", text="Plan", files=[("final.pdf", PDF)]).status_code == 302
    [handed] = tries(db)
    assert handed.status == "submitted" and handed.submitted_at is not None and not handed.late
    assert [f.name for f in handed.files] == ["final.pdf"]
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Try 1" in html and "waiting to be marked" in html and "Hand in</button>" not in html
    # Handed in: nothing changes any more.
    refused = send(auth, text="changed")
    assert refused.status_code == 400 and "handed in" in refused.get_data(as_text=True)
    assert tries(db)[0].text == "Plan"


@pytest.mark.parametrize(("name", "content", "said"), [
    ("big.pdf", PDF + b"0" * (1024 * 1024), "larger than 1 MB"),
    ("report.pdf", EXE, "is not one of the kinds of file this assignment accepts"),
    ("work.zip", zip_bytes(), "is an archive, and this assignment does not accept archives"),
])
def test_bad_files_are_refused_with_a_clear_message_and_nothing_saved(auth, assigned, db, name, content, said):
    auth.login("trainee@example.org")
    before = set(current_storage().keys("assignments"))
    response = send(auth, text="Keep this?", files=[("good.pdf", PDF), (name, content)])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and said in html and "Nothing was saved" in html
    assert "Keep this?" in html  # what was typed comes back on the page
    assert tries(db) == [] and stored_keys(db) == []
    assert set(current_storage().keys("assignments")) == before


def test_an_archive_is_kept_where_the_assignment_allows_archives(auth, assigned, db):
    assigned["assignment"].file_kinds = "pdf,zip"
    db.session.commit()
    auth.login("trainee@example.org")
    assert send(auth, files=[("work.zip", zip_bytes())]).status_code == 302
    assert [f.mime_type for f in db.session.scalars(select(SubmissionFile))] == ["application/zip"]


def test_path_tricks_in_names_are_made_safe(auth, assigned, db):
    auth.login("trainee@example.org")
    assert send(auth, files=[("../../etc/passwd.pdf", PDF), ("..\\..\\win.ini", PDF)]).status_code == 302
    names = sorted(f.name for f in db.session.scalars(select(SubmissionFile)))
    keys = stored_keys(db)
    assert names == ["passwd.pdf", "win.ini.pdf"]
    assert all(k.startswith("assignments/") and ".." not in k for k in keys)


def test_more_files_than_allowed_are_refused(auth, assigned, db):
    auth.login("trainee@example.org")
    response = send(auth, files=[("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF)])
    assert response.status_code == 400 and "At most 2 files" in response.get_data(as_text=True)
    assert stored_keys(db) == []


def test_a_scripted_pdf_is_kept_and_only_ever_downloaded(auth, assigned, db):
    auth.login("trainee@example.org")
    assert send(auth, files=[("form.pdf", SCRIPTED_PDF)]).status_code == 302
    file = db.session.scalars(select(SubmissionFile)).one()
    response = auth.client.get(f"{PAGE}/files/{file.id}")
    assert response.status_code == 200 and response.data == SCRIPTED_PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_nothing_to_hand_in_is_refused(auth, assigned, db):
    auth.login("trainee@example.org")
    response = send(auth, action="submit", text="   ")
    assert response.status_code == 400 and "nothing to hand in" in response.get_data(as_text=True)
    assert tries(db) == []


def _past_due(db, assigned, late_allowed: bool):
    assigned["assignment"].due_on = date.today() - timedelta(days=3)
    assigned["assignment"].late_allowed = late_allowed
    db.session.commit()


def test_late_work_is_refused_where_late_is_not_allowed_and_nothing_is_saved(auth, assigned, db):
    _past_due(db, assigned, late_allowed=False)
    auth.login("trainee@example.org")
    response = send(auth, action="submit", text="Too late", files=[("plan.pdf", PDF)])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "does not accept late work" in html and "ask your instructor" in html
    assert tries(db) == [] and stored_keys(db) == []


def test_late_work_is_marked_late_where_allowed(auth, assigned, db):
    _past_due(db, assigned, late_allowed=True)
    auth.login("trainee@example.org")
    assert send(auth, action="submit", text="Late but welcome").status_code == 302
    assert tries(db)[0].late is True
    assert "late" in auth.client.get(PAGE).get_data(as_text=True)


def test_an_extension_lets_the_trainee_hand_in_and_is_shown(auth, assigned, db):
    from lms.assignments import services

    _past_due(db, assigned, late_allowed=False)
    later = date.today() + timedelta(days=5)
    services.give_extension(assigned["assignment"], assigned["enrolment"], later, "Flooded office",
                            assigned["instructor"])
    auth.login("trainee@example.org")
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "extension given: Flooded office" in html
    assert send(auth, action="submit", text="On time now").status_code == 302
    assert tries(db)[0].late is False


def _mark(db, submission, outcome="marked", released=True, passed=True, **extra):
    mark = Mark(submission_id=submission.id, outcome=outcome, score=Decimal("7"), percent=Decimal("70"),
                passed=passed, feedback="Good *structure*", released_at=clock.now() if released else None, **extra)
    submission.status = outcome
    db.session.add(mark)
    db.session.commit()
    return mark


def test_only_released_marks_are_shown_with_the_rubric_levels(auth, assigned, db):
    auth.login("trainee@example.org")
    send(auth, action="submit", text="Done")
    submission = tries(db)[0]
    rubric = [{"title": "Risks", "description": "", "levels": [{"title": "All", "points": 4},
                                                               {"title": "Some", "points": 2}]},
              {"title": "Goals", "description": "", "levels": [{"title": "SMART", "points": 6}]}]
    mark = _mark(db, submission, released=False, rubric=rubric, rubric_version=1, levels=[1, 0])
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Good <em>structure</em>" not in html and "Score" not in html
    mark.released_at = clock.now()
    db.session.commit()
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Score: 7 of 10 (70.0%)" in html and "Passed" in html and "Good <em>structure</em>" in html
    assert "<th scope=\"row\">Risks</th><td>Some</td><td>2</td>" in html


def test_a_returned_try_opens_a_new_one_while_resubmissions_allow(auth, assigned, db):
    auth.login("trainee@example.org")
    send(auth, action="submit", text="First")
    _mark(db, tries(db)[0], outcome="returned", passed=False)
    assert send(auth, action="submit", text="Second").status_code == 302
    assert [(s.number, s.status) for s in tries(db)] == [(1, "returned"), (2, "submitted")]
    _mark(db, tries(db)[1], outcome="returned", passed=False)
    response = send(auth, text="Third")
    assert response.status_code == 400 and "no more tries" in response.get_data(as_text=True)
    assert len(tries(db)) == 2


def test_a_withdrawn_trainee_reads_but_cannot_hand_in(auth, assigned, db):
    auth.login("trainee@example.org")
    send(auth, text="draft")
    assigned["enrolment"].status = "withdrawn"
    db.session.commit()
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Only trainees enrolled in this course and holding a place can hand in work." in html
    response = send(auth, action="submit", text="sneaky")
    assert response.status_code == 400
    assert [(s.status, s.text) for s in tries(db)] == [("draft", "draft")]


def test_staff_never_see_a_draft_file(auth, assigned, db):
    auth.login("trainee@example.org")
    send(auth, files=[("plan.pdf", PDF)])
    file = db.session.scalars(select(SubmissionFile)).one()
    auth.logout()
    auth.login("instructor@example.org")
    assert auth.client.get(f"{PAGE}/files/{file.id}").status_code == 403
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "plan.pdf" not in html


def test_a_passed_released_mark_counts_in_the_outline_and_my_learning(auth, assigned, db):
    from lms.catalog.models import Lesson

    db.session.add(Lesson(course_id=assigned["course"].id, module_id=assigned["module"].id, slug="intro", position=2,
                          title="Intro", minutes=5, body="Hi"))
    db.session.commit()
    auth.login("trainee@example.org")
    send(auth, action="submit", text="Done")
    mark = _mark(db, tries(db)[0], released=False)
    assert "0% done" in auth.client.get("/my").get_data(as_text=True)
    mark.released_at = clock.now()
    db.session.commit()
    assert "50% done" in auth.client.get("/my").get_data(as_text=True)  # 1 of 2 items: the assignment passed
    course_page = auth.client.get("/courses/planning").get_data(as_text=True)
    assert "1 of 2 done" in course_page
