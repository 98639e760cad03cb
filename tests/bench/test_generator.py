"""The data generator at a tiny size: every kind of row, deterministic, graded consistently, and
refusing what it must refuse."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.bench.conftest import ANCHOR

pytestmark = pytest.mark.db


def _counts(db):
    from bench.generator import table_rows

    return table_rows(db.engine)


def test_tiny_data_set_fills_every_table_of_the_learning_history(db, generated):
    counts = _counts(db)
    for table in ("institutions", "users", "courses", "modules", "lessons", "quizzes", "questions", "choices",
                  "enrolments", "lesson_progress", "quiz_attempts", "attempt_answers", "certificates"):
        assert counts[table] > 0, table
    assert counts["institutions"] == 2
    # Rows added: the step that writes the kept figures onto the enrolments updates rows already counted.
    from bench.generator import KEPT_ON_ENROLMENTS

    assert generated.stats[KEPT_ON_ENROLMENTS].rows == counts["enrolments"]
    assert generated.rows == sum(s.rows for name, s in generated.stats.items() if name != KEPT_ON_ENROLMENTS)
    assert generated.stats["attempt_answers"].rows == counts["attempt_answers"]


def test_enrolments_span_every_state_and_completed_ones_have_certificates(db, generated):
    from lms.learning.models import Certificate, Enrolment
    from lms.quizzes.models import QuizAttempt

    statuses = dict(db.session.execute(select(Enrolment.status, func.count()).group_by(Enrolment.status)).all())
    assert statuses.get("completed") and statuses.get("active")
    completed = statuses["completed"]
    assert db.session.scalar(select(func.count(Certificate.id))) == completed
    started = db.session.scalar(select(func.count(func.distinct(QuizAttempt.enrolment_id))))
    assert 0 < started < sum(statuses.values())  # some enrolments are not started
    dates = db.session.execute(select(func.min(Enrolment.enrolled_at), func.max(Enrolment.enrolled_at))).one()
    assert (dates[1] - dates[0]).days > 180  # spread over the history, not one day
    assert dates[1].date() < ANCHOR


def test_submitted_attempts_are_graded_as_their_answers_say(db, generated):
    from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt

    sums = dict(db.session.execute(select(AttemptAnswer.attempt_id, func.sum(AttemptAnswer.points))
                                   .group_by(AttemptAnswer.attempt_id)).all())
    attempts = db.session.execute(select(QuizAttempt, Quiz.pass_mark).join(Quiz)
                                  .where(QuizAttempt.status == "submitted")).all()
    assert attempts
    for attempt, pass_mark in attempts:
        assert Decimal(str(sums[attempt.id])) == attempt.score
        assert attempt.percent == (attempt.score * 100 / attempt.max_score).quantize(Decimal("0.01"))
        assert attempt.passed == (attempt.percent >= pass_mark)
        assert len(attempt.draw) == int(attempt.max_score)


def test_the_platform_grades_a_generated_answer_as_stored(db, generated):
    """Regrading with the platform's own grader changes nothing."""
    from lms.quizzes import services
    from lms.quizzes.models import QuizAttempt

    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.status == "submitted").limit(1))
    stored = (attempt.score, attempt.percent, attempt.passed)
    services.grade(attempt)
    assert (attempt.score, attempt.percent, attempt.passed) == stored
    db.session.rollback()


def test_no_active_enrolment_already_meets_its_completion_rule(db, generated):
    from lms.catalog.models import Course
    from lms.learning import completion

    for course in db.session.scalars(select(Course)):
        assert completion.enrolments_meeting_rule(course, completion.active_enrolment_ids(course.id)) == []


def test_generation_is_deterministic_and_refuses_a_non_empty_database(db, generated):
    from bench.generator import GenerationRefused, generate
    from bench.sizes import SIZES
    from lms.learning.models import Certificate

    codes = sorted(db.session.scalars(select(Certificate.code)))
    counts = _counts(db)
    db.session.remove()
    with pytest.raises(GenerationRefused, match="not empty"):
        generate(db.engine, SIZES["tiny"], seed=7, anchor=ANCHOR, out=lambda _line: None)
    generate(db.engine, SIZES["tiny"], seed=7, anchor=ANCHOR, force=True, out=lambda _line: None)
    assert _counts(db) == counts
    assert sorted(db.session.scalars(select(Certificate.code))) == codes


def test_new_rows_after_generation_get_fresh_ids(db, generated):
    """The id sequences were moved past the generated ids (PostgreSQL), so the app can insert."""
    from lms.institutions.services import create_institution

    institution = create_institution("ZZ-NEW", "A new academy", "UA")
    assert institution.id == 3


def test_xl_is_refused_on_sqlite_with_one_line(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the refusal concerns SQLite")
    from bench.generator import GenerationRefused, generate
    from bench.sizes import SIZES

    with pytest.raises(GenerationRefused) as refused:
        generate(db.engine, SIZES["XL"], out=lambda _line: None)
    assert "PostgreSQL" in str(refused.value) and "\n" not in str(refused.value)
    assert _counts(db)["users"] == 0


def test_progress_shows_a_line_per_table_with_its_rate(db):
    from bench.generator import generate
    from bench.sizes import SIZES

    lines: list[str] = []
    generate(db.engine, SIZES["tiny"], seed=1, anchor=ANCHOR, out=lines.append)
    text = "\n".join(lines)
    for table in ("users", "enrolments", "quiz_attempts", "attempt_answers"):
        assert any(line.strip().startswith(table) and "rows/s" in line for line in lines), table
    assert "done:" in text
