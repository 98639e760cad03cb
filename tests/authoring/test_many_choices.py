"""A question with more choices than the editor's empty rows (imported from GIFT or a package) keeps every
choice when an instructor edits and saves it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.quizzes.models import Choice, Question
from tests.helpers import csrf_token, make_staff

pytestmark = pytest.mark.db


def test_saving_a_question_with_eleven_choices_keeps_them_all(client, auth, world, course, db):
    make_staff(course, world["instructor"])
    question = db.session.scalar(select(Question).where(Question.course_id == course.id,
                                                        Question.slug == "q-multi"))
    start = len(question.choices)
    for n in range(start + 1, 12):
        question.choices.append(Choice(position=n, text=f"Extra choice {n}", correct=False))
    db.session.commit()
    auth.login(world["instructor"].email)
    url = "/author/sample/questions/q-multi"
    page = client.get(url).get_data(as_text=True)
    assert 'name="choice-11"' in page
    # The form as the browser sends it: every field with its value, the ticked boxes only.
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
            if not name.startswith("correct-")}
    data.update({name: "y" for name in re.findall(r'<input type="checkbox"[^>]*name="(correct-\d+)"[^>]*checked',
                                                  page)})
    for field in ("text", "explanation"):
        data[field] = re.search(rf'<textarea[^>]*name="{field}"[^>]*>\s*([^<]*)</textarea>', page).group(1)
    data["csrf_token"] = csrf_token(page)
    data["kind"] = "multiple_choice"
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-600:]
    db.session.expire_all()
    saved = db.session.scalar(select(Question).where(Question.course_id == course.id, Question.slug == "q-multi"))
    texts = [c.text for c in sorted(saved.choices, key=lambda c: c.position)]
    assert len(texts) == 11 and texts[-1] == "Extra choice 11"
