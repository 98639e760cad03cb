"""In headless Chromium on a phone's width (390 px): an assessor opens the practical's list, signs off a trainee's
checklist (a radio group and a comment per criterion, the place, a photo) and sees the outcome; the record and its
results are stored as chosen. The pages pass axe's WCAG 2.1 AA checks and fit the screen."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.axe import violations
from tests.helpers import PASSWORD
from tests.images import diagram

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def test_an_assessor_signs_off_on_a_phone(chromium, live_server, world, drill, db, tmp_path):
    from lms.practicals.models import Evidence, Record, Result

    photo = tmp_path / "seal.png"
    photo.write_bytes(diagram(60, 40))
    context = chromium.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "assessor@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/courses/drill/practicals/{drill['practical'].slug}/assess")
    assert "Taras Trainee" in page.inner_text("main") and "Giorgi Trainee" not in page.inner_text("main")
    assert violations(page) == []
    page.click("main a:has-text('Sign off Taras Trainee')")
    assert page.locator("#assessed_on").input_value()  # today, in the assessor's zone
    criteria = [c for c in drill["practical"].criteria if not c.retired]
    for criterion, result in zip(criteria, ("met", "met", "not_observed")):
        page.check(f"#result-{criterion.id}-{result}")
        page.fill(f"#comment-{criterion.id}", f"Seen: {result}")
    page.fill("#place", "Checkpoint 7")
    page.fill("#comment", "Calm and thorough")
    page.set_input_files("#evidence", str(photo))
    assert violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.click("main button[type=submit]:has-text('Sign off')")
    text = page.inner_text("main")
    assert "Signed off: Taras Trainee, Passed (66.67% of the criteria met)." in text
    assert "Passed" in page.inner_text("main table")
    assert violations(page) == []
    context.close()

    db.session.expire_all()
    record = db.session.scalar(select(Record))
    assert record.passed and str(record.percent) == "66.67" and record.place == "Checkpoint 7"
    assert record.comment == "Calm and thorough" and record.assessor_id == drill["assessor"].id
    results = {r.criterion_id: (r.result, r.comment) for r in db.session.scalars(select(Result))}
    assert results == {c.id: (r, f"Seen: {r}") for c, r in zip(criteria, ("met", "met", "not_observed"))}
    assert [e.name for e in db.session.scalars(select(Evidence))] == ["seal.png"]
