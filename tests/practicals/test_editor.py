"""The practical editor: add a practical to a module, its settings, criteria added, changed, moved, and taken
off (deleted while unused, retired once a record used them); the outline and previous/next follow it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.practicals.conftest import sign_off_data

pytestmark = pytest.mark.db


def test_add_a_practical_and_its_criteria(client, auth, db, world, drill):
    from lms.practicals.models import Criterion, Practical

    auth.login("instructor@example.org")
    course_page = client.get("/author/drill/").get_data(as_text=True)
    assert "Seal check" in course_page and "+ Practical assessment" in course_page
    new = "/author/drill/modules/field/practicals/new"
    response = auth.post(new, {"title": "Search a lorry", "instructions": "Use the **mirror**.", "pass_mark": "80"})
    assert response.status_code == 302
    practical = db.session.scalar(select(Practical).where(Practical.slug == "search-a-lorry"))
    assert practical.pass_mark == 80 and not practical.hold_marks and practical.position == 2
    edit = f"/author/drill/practicals/{practical.slug}"
    auth.post(f"{edit}/criteria", {"new-text": "Opens the cabin", "new-critical": "y"}, form_page=edit)
    auth.post(f"{edit}/criteria", {"new-text": "Checks under the trailer"}, form_page=edit)
    criteria = db.session.scalars(select(Criterion).where(Criterion.practical_id == practical.id)
                                  .order_by(Criterion.position)).all()
    assert [(c.text, c.critical) for c in criteria] == [("Opens the cabin", True), ("Checks under the trailer", False)]
    second = criteria[1]
    second_id = second.id
    auth.post(f"{edit}/criteria/{second.id}", {"action": "up"}, form_page=edit)
    db.session.expire_all()
    assert [c.text for c in db.session.get(Practical, practical.id).criteria] == ["Checks under the trailer",
                                                                                 "Opens the cabin"]
    auth.post(f"{edit}/criteria/{second.id}", {"action": "save", f"c{second.id}-text": "Looks under the trailer",
                                               f"c{second.id}-critical": "y"}, form_page=edit)
    db.session.expire_all()
    changed = db.session.get(Criterion, second.id)
    assert changed.text == "Looks under the trailer" and changed.critical
    auth.post(f"{edit}/criteria/{second.id}", {"action": "remove"}, form_page=edit)
    db.session.expire_all()
    assert db.session.get(Criterion, second_id) is None  # never used: deleted
    page = client.get(edit).get_data(as_text=True)
    assert "Opens the cabin" in page and "Looks under the trailer" not in page
    # The settings change; the trainee's page shows the instructions rendered.
    auth.post(edit, {"title": "Search a lorry", "instructions": "Use the **mirror**.", "pass_mark": "90",
                     "hold_marks": "y"})
    db.session.expire_all()
    saved = db.session.get(Practical, practical.id)
    assert saved.pass_mark == 90 and saved.hold_marks
    trainee_page = client.get(f"/courses/drill/practicals/{practical.slug}").get_data(as_text=True)
    assert "<strong>mirror</strong>" in trainee_page and "Opens the cabin" in trainee_page
    assert 'rel="prev"' in trainee_page and "Seal check" in trainee_page


def test_a_used_criterion_is_retired_and_records_keep_it(client, auth, db, world, drill):
    from lms.practicals.models import Criterion, Result

    auth.login("assessor@example.org")
    slug = drill["practical"].slug
    auth.post(f"/courses/drill/practicals/{slug}/assess/{drill['enrolment'].id}",
              sign_off_data(drill["practical"], ["met", "met", "met"]))
    auth.logout()
    auth.login("instructor@example.org")
    edit = f"/author/drill/practicals/{slug}"
    first = drill["practical"].criteria[0]
    first_id = first.id
    assert ">Retire<" in client.get(edit).get_data(as_text=True)
    auth.post(f"{edit}/criteria/{first.id}", {"action": "remove"}, form_page=edit)
    db.session.expire_all()
    assert db.session.get(Criterion, first_id).retired
    assert db.session.scalar(select(Result).where(Result.criterion_id == first_id)) is not None
    # Retiring the practical (the generic delete of authoring) takes it out of the outline.
    auth.post(f"/author/drill/practicals/{slug}/delete", {}, form_page=f"/author/drill/practicals/{slug}/delete")
    assert client.get(f"/courses/drill/practicals/{slug}").status_code == 404


def test_editors_only(client, auth, db, world, drill):
    auth.login("assessor@example.org")
    assert client.get(f"/author/drill/practicals/{drill['practical'].slug}").status_code == 403
    assert client.get("/author/drill/modules/field/practicals/new").status_code == 403


def test_a_practical_moves_among_the_module_items_and_shows_in_the_outline(client, auth, db, world, drill):
    from lms.catalog.models import Lesson
    from lms.extensions import db as database
    from lms.practicals.models import Practical

    lesson = Lesson(course_id=drill["course"].id, module_id=drill["module"].id, slug="brief", title="Briefing",
                    position=2, minutes=5, body="Read.")
    database.session.add(lesson)
    database.session.commit()
    auth.login("instructor@example.org")
    slug = drill["practical"].slug
    response = auth.post(f"/author/drill/practicals/{slug}/move", {"direction": "down", "back": "/author/drill/"},
                         form_page="/author/drill/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Practical, drill["practical"].id).position == 2
    assert db.session.get(Lesson, lesson.id).position == 1
    auth.logout()
    auth.login("trainee@example.org")
    page = client.get("/courses/drill").get_data(as_text=True)
    assert page.index("Briefing") < page.index("Seal check")
    assert f'href="/courses/drill/practicals/{slug}"' in page and "Practical assessment" in page
    practical_page = client.get(f"/courses/drill/practicals/{slug}").get_data(as_text=True)
    assert 'rel="prev"' in practical_page and "Briefing" in practical_page
