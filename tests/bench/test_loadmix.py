"""The load mix at a tiny size: a few virtual trainees sign in through the form and take quizzes against
gunicorn on the tiny generated data set while a few others sign in; every answer and grade the server
acknowledged is found in the database, an answer taken away is reported, and the run leaves the data set as
it found it."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bench.generator import table_rows
from bench.loadmix import pages, run_loadmix

pytestmark = [pytest.mark.db, pytest.mark.slow]


def _state(engine):
    from lms.extensions import db

    users, enrolments = db.metadata.tables["users"], db.metadata.tables["enrolments"]
    with engine.connect() as conn:
        return (table_rows(engine), conn.execute(select(users).order_by(users.c.id)).all(),
                conn.execute(select(enrolments).order_by(enrolments.c.id)).all())


def test_trainees_finish_journeys_and_every_acknowledged_answer_is_in_the_database(bench_app, db, generated,
                                                                                    database_url, tmp_path):
    from lms.extensions import db as _db

    answers = _db.metadata.tables["attempt_answers"]
    taken: dict = {}

    def take_one_answer_away(engine, log):
        """The check first passes as the run left it; then one acknowledged answer is deleted."""
        from bench.loadmix.check import check

        mismatches, _counts = check(engine, log.attempts)
        taken["clean"] = mismatches
        seen = next(s for s in log.attempts if s.acknowledged)
        slug = sorted(seen.acknowledged)[0]
        with engine.begin() as conn:
            conn.execute(delete(answers).where(answers.c.attempt_id == seen.attempt_id,
                                               answers.c.question_slug == slug))
        taken["answer"] = (seen.attempt_id, slug)

    with bench_app.app_context():
        engine = _db.engine
        before = _state(engine)
        environ = {"LMS_DATABASE_URL": database_url, "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
                   "LMS_SECRET_KEY": "bench-test-secret", "LMS_ENV": "development"}
        report = run_loadmix(engine, environ, trainees=3, duration=3, think=0.05, sign_ins=3,
                             after_run=take_one_answer_away)
        after = _state(engine)

    text = "\n".join(report.lines())
    assert report.failure is None, text
    assert not report.log.errors, text
    assert report.log.journeys >= 3, text  # each trainee reached a review at least once
    assert {p.page for p in report.pages()} >= {"catalogue", "course", "lesson", "quiz", "start", "attempt", "save",
                                               "finish", "confirm", "submit", "review"}
    assert all(seen.review is not None and seen.review.score is not None
               for seen in report.log.attempts if seen.submitted), text
    _during, sign_ins = report.storm_samples()
    assert [s.kind for s in sign_ins] == ["signed in"] * 3, text  # the storm's three, each signed in
    assert "sign-in storm: 3 sign-ins" in text
    attempts, acknowledged, reviews = report.checked
    assert attempts >= 3 and acknowledged >= 3 * 5 and reviews >= 3, text
    assert taken["clean"] == [], taken["clean"]
    attempt_id, slug = taken["answer"]
    # The answer, and with it the grade the review showed for its question if the answer was right.
    assert report.mismatches[0] == f"attempt {attempt_id}: the acknowledged answer to {slug} is not in the database"
    assert all(m.startswith(f"attempt {attempt_id}: ") for m in report.mismatches), report.mismatches
    assert "MISMATCHES" in text and not report.ok
    assert after == before  # attempts, answers, views, sessions and audit events gone; accounts as they were


def test_the_review_figures_and_forms_are_read_as_a_browser_reads_them():
    page = """<form method="post" action="/attempts/7" class="quiz-form" data-attempt-seq="2">
      <input type="hidden" name="csrf_token" value="tok"><input type="hidden" name="questions" value="q1">
      <input type="radio" name="a-q1" value="11" checked><input type="radio" name="a-q1" value="12">
      <button type="submit" name="action" value="finish">Finish</button></form>
      <p class="result result-bad">You scored 2.5 of 5 points (50.0%). Not passed: the pass mark is 70%.</p>
      <ol><li class="question right">a</li><li class="question wrong">b</li></ol>"""
    (form,) = pages.forms(page)
    assert form.hidden() == [("csrf_token", "tok"), ("questions", "q1")]
    assert [(o.value, o.checked) for o in form.options("a-q1")] == [("11", True), ("12", False)]
    assert form.attributes["data-attempt-seq"] == "2"
    shown = pages.review(page)
    assert (shown.score, shown.max_score, shown.percent, shown.passed, shown.questions) == (
        2.5, 5, 50, False, [True, False])
