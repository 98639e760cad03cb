"""An assessor marks a submission with the rubric on a 390 px screen in headless Chromium, JavaScript off: what
they see (the work, the rubric's radio buttons, nothing wider than the phone, the mark shown back), the Mark row
stored, and no axe violation on the queue and the marking page."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assignments.models import Mark, Submission
from tests.assessing.factory import world_of_marking
from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def _sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_an_assessor_marks_with_the_rubric_on_a_phone(chromium, live_server, world, db):
    made = world_of_marking(world)
    work_id = made["work_a"].id
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _sign_in(page, live_server, "assessor@example.org")
        page.click("text=Marking")
        page.click("text=Strategic planning")
        assert page.inner_text("h1") == "Marking: Strategic planning"
        page.click("text=Draft action plan")
        page.click("text=Taras Trainee")
        assert page.inner_text("h1") == "Work of Taras Trainee"
        main = page.inner_text("main")
        assert "My plan: seal checks first." in main and "plan.pdf" in main
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        page.check("#level-0-2")   # Analysis of risks: Every main risk (4)
        page.check("#level-1-1")   # Action plan: Complete (6)
        page.fill("#feedback", "Clear plan; the risks are well named.")
        page.click("text=Save the mark")
        assert "The mark is saved." in page.inner_text("main")
        page.goto(f"{live_server}/courses/logframe/assess/submissions/{work_id}")
        main = page.inner_text("main")
        assert "Marked: passed" in main and "Score 10 (100%)" in main
        assert "Analysis of risks: Every main risk (4)" in main and "Clear plan; the risks are well named." in main
        assert page.is_checked("#level-0-2") and page.is_checked("#level-1-1")  # a re-mark starts from it
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    db.session.expire_all()
    mark = db.session.scalar(select(Mark))
    assert (mark.score, mark.percent, mark.passed, mark.levels, mark.assessor_id) == (
        Decimal(10), Decimal(100), True, [2, 1], made["assessor"].id)
    assert mark.feedback == "Clear plan; the risks are well named." and mark.rubric == made["assignment"].rubric
    assert db.session.get(Submission, work_id).status == "marked"


def test_the_marking_pages_have_no_accessibility_violations(chromium, live_server, world, db):
    made = world_of_marking(world)
    made["assignment"].hide_names = True
    made["assignment"].hold_marks = True
    db.session.commit()
    context = chromium.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    try:
        _sign_in(page, live_server, "instructor@example.org")
        pages = ["/assess", "/courses/logframe/assess", f"/courses/logframe/assess/{made['assignment'].id}?show=all",
                 f"/courses/logframe/assess/submissions/{made['work_b'].id}",
                 f"/author/logframe/assessors/{made['assessor'].id}", "/author/logframe/staff"]
        found = []
        for path in pages:
            page.goto(f"{live_server}{path}")
            found += [f"{path}: {v}" for v in violations(page)]
        # With an error shown (a criterion left out), and after a mark held back.
        page.goto(f"{live_server}/courses/logframe/assess/submissions/{made['work_a'].id}")
        page.check("#level-0-1")
        page.click("text=Save the mark")
        assert "Choose a level for criterion 2." in page.inner_text("main")
        found += [f"error: {v}" for v in violations(page)]
        page.check("#level-1-1")
        page.click("text=Save the mark")
        assert "held back" in page.inner_text("main")
        page.goto(f"{live_server}/courses/logframe/assess")
        assert "Release 1 held mark" in page.inner_text("main")
        found += [f"held: {v}" for v in violations(page)]
        assert not found, "\n".join(found)
    finally:
        context.close()
