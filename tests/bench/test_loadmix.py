"""The load mix at a tiny size: a few virtual trainees sign in through the form and take quizzes against
gunicorn on the tiny generated data set while a few others sign in; every answer and grade the server
acknowledged is found in the database, an answer taken away is reported, and the run leaves the data set as
it found it."""
from __future__ import annotations

import os

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


def test_after_a_run_on_sqlite_the_load_mix_gets_a_postgresql_database_of_its_own(monkeypatch):
    """`make bench` on a clean clone measures SQLite; its load mix then runs on PostgreSQL, in a database made for
    it when missing and kept after; without a server (or with LMS_BENCH_POSTGRES_URL set empty) the section
    says why it was skipped, and a run on SQLite says where the load mix ran."""
    import uuid

    import psycopg

    from bench.loadmix.postgres import loadmix_database_url
    from bench.runner import LoadMixSection
    from tests.helpers import postgres_admin_url, postgres_available

    said: list[str] = []
    monkeypatch.setenv("LMS_BENCH_POSTGRES_URL", "")
    assert loadmix_database_url(said.append) == (None, "LMS_BENCH_POSTGRES_URL is set empty")
    monkeypatch.setenv("LMS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:9/lms_bench_loadmix")
    url, why = loadmix_database_url(said.append)
    assert url is None and why.startswith("no PostgreSQL answers at postgresql+psycopg://postgres@127.0.0.1:9/")
    assert LoadMixSection([], skipped=f"it runs on PostgreSQL: {why}").lines()[1].startswith(
        "load mix: skipped (it runs on PostgreSQL: no PostgreSQL answers at ")
    assert said == []

    admin = postgres_admin_url()
    if not postgres_available(admin):  # the refusals above were checked; the database made needs a server
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL does not answer at {admin} and CI=true")
        pytest.skip(f"PostgreSQL does not answer at {admin}")
    name = f"lms_bench_loadmix_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("LMS_BENCH_POSTGRES_URL", admin.rsplit("/", 1)[0] + "/" + name)
    try:
        first, _ = loadmix_database_url(said.append)
        again, _ = loadmix_database_url(said.append)
        assert first == again and first.startswith("postgresql+psycopg://") and first.endswith(f"/{name}")
        assert said == [f"created {first} for the load mix"]  # made once, then kept
        with psycopg.connect(admin, autocommit=True) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    section = LoadMixSection([], database="postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_loadmix")
    assert section.lines() == ["", "load mix on postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_loadmix "
                                   "(the workloads above ran on SQLite)"]
