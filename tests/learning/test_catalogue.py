"""Catalogue, course page, enrolment and "My learning"."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.core.when import end_of_day, person_zone
from lms.learning.models import Enrolment

pytestmark = pytest.mark.db


def test_catalogue_lists_published_courses_with_search_and_filters(client, course, db):
    from tests.helpers import make_course

    make_course("draft-one", "Secret draft", status="draft")
    make_course("ukr", "Стратегічне планування", summary="Курс українською", language="uk")
    page = client.get("/courses/").get_data(as_text=True)
    assert "Sample course" in page and "Стратегічне планування" in page and "Secret draft" not in page
    assert "Sample course" not in client.get("/courses/?q=українською").get_data(as_text=True)
    assert "Sample course" in client.get("/courses/?q=FOR TESTS").get_data(as_text=True)  # summary, any case
    uk = client.get("/courses/?language=uk").get_data(as_text=True)
    assert "Стратегічне" in uk and "Sample course" not in uk
    assert "Sample course" in client.get("/courses/?topic=strategy").get_data(as_text=True)
    assert "No course matches" in client.get("/courses/?topic=none&q=x").get_data(as_text=True)
    assert "No course matches" in client.get("/courses/?q=%25").get_data(as_text=True)  # % is not a wildcard


def test_drafts_are_invisible_to_trainees_but_not_to_editors(client, auth, world, db):
    from tests.helpers import make_course, make_staff

    draft = make_course("draft-one", "Secret draft", status="draft")
    auth.login(world["trainee"].email)
    assert client.get("/courses/draft-one").status_code == 404
    auth.logout()
    auth.login(world["instructor"].email)
    assert client.get("/courses/draft-one").status_code == 404  # not on its staff
    make_staff(draft, world["instructor"])
    assert "not published" in client.get("/courses/draft-one").get_data(as_text=True)


def test_course_page_shows_outline_and_outcomes_but_no_lessons_before_enrolment(client, auth, world, course):
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Explain the sample." in page and "Introduction" in page and "About 1.5 hours" in page
    assert "/courses/sample/lessons/intro" not in page
    response = client.get("/courses/sample/lessons/intro")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/sample"
    assert "Enrol in the course to open its lessons." in client.get("/courses/sample").get_data(as_text=True)


def test_self_enrolment_twice_is_harmless(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    for _ in range(2):
        response = auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
        assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert "/courses/sample/lessons/intro" in client.get("/courses/sample").get_data(as_text=True)


def test_enrolment_key_is_required_when_set(client, auth, world, course, db):
    auth.login(world["admin"].email)
    auth.post("/courses/sample/key", {"key": "border-2026"}, form_page="/courses/sample")
    auth.logout()
    auth.login(world["trainee"].email)
    wrong = auth.post("/courses/sample/enrol", {"key": "guess"}, form_page="/courses/sample", follow_redirects=True)
    assert "The enrolment key is not right." in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    auth.post("/courses/sample/enrol", {"key": "border-2026"}, form_page="/courses/sample")
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_course_without_self_enrolment_refuses_it(client, auth, world, course, db):
    course.self_enrolment = False
    db.session.commit()
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Your coordinator enrols trainees in this course." in page
    response = auth.post("/courses/sample/enrol", {}, form_page="/courses/sample", follow_redirects=True)
    assert "cannot enrol themselves" in response.get_data(as_text=True)


def test_coordinator_enrols_own_trainee_with_due_date(client, auth, world, course, db):
    auth.login(world["coordinator"].email)
    trainee = world["trainee"]
    response = auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": "2027-03-31"})
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    # The due date ends at midnight at its end, in the trainee's zone.
    assert enrolment.source == "coordinator"
    assert enrolment.due_at == end_of_day(date(2027, 3, 31), person_zone(trainee))
    assert client.get(f"/people/{world['other_trainee'].id}/enrol").status_code == 404
    auth.logout()
    auth.login(trainee.email)
    my = client.get("/my").get_data(as_text=True)
    assert "Sample course" in my and "Due by March 31, 2027" in my


def test_trainee_cannot_enrol_others(client, auth, world, course):
    auth.login(world["trainee"].email)
    assert client.get(f"/people/{world['trainee'].id}/enrol").status_code == 404


def test_my_learning_resumes_where_the_trainee_left_off(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert client.get("/courses/sample/resume").headers["Location"] == "/courses/sample/lessons/intro"
    client.get("/courses/sample/lessons/intro")
    assert client.get("/courses/sample/resume").headers["Location"] == "/courses/sample/lessons/second"
    client.get("/courses/sample/lessons/second")
    assert client.get("/courses/sample/resume").headers["Location"] == "/courses/sample/quizzes/check"
    my = client.get("/my").get_data(as_text=True)
    assert "Resume" in my and "50% done" in my  # 2 of 4 lessons and quizzes
    course_page = client.get("/courses/sample").get_data(as_text=True)
    assert "2 of 3 done" in course_page and course_page.count(">Viewed<") == 2


def test_catalogue_cards_follow_the_language_and_every_change_to_a_course(client, course, db):
    """The rendered cards are cached by their rows and language: nothing shows stale."""
    from sqlalchemy.orm import Session

    from lms.catalog.models import Course

    assert "Language: English" in client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Мова: англійська" in client.get("/courses/", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    with Session(db.engine) as other:  # another process editing the course
        other.scalar(select(Course).where(Course.slug == "sample")).title = "Sample course, second edition"
        other.commit()
    page = client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sample course, second edition" in page and "Language: English" in page


def test_a_new_topic_shows_in_the_filter_and_its_results_at_once(client, course, db):
    from sqlalchemy.orm import Session

    from lms.catalog.models import Course, CourseTopic

    assert "Sample course" not in client.get("/courses/?topic=risk-analysis").get_data(as_text=True)
    with Session(db.engine) as other:  # another process tagging the course
        sample = other.scalar(select(Course).where(Course.slug == "sample"))
        other.add(CourseTopic(course_id=sample.id, topic="risk-analysis"))
        other.commit()
    page = client.get("/courses/?topic=risk-analysis").get_data(as_text=True)
    assert "Sample course" in page and '<option selected value="risk-analysis">' in page
