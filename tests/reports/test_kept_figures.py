"""The figures the reports read are kept when the work is written (lms.learning.figures): after a mixed history
(lessons viewed, attempts passed, failed, closed at their deadline and left open past it, a lesson and a quiz
retired and restored, marks, a withdrawal, an anonymisation) they are what the rows say, and every report figure
is what counting the rows gives. `lms reports recount` rebuilds them after a repair by hand."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from lms.access import report_scope
from lms.assessing import marking
from lms.assessing.marking import MarkFields
from lms.assignments.models import Assignment, Mark, Submission
from lms.catalog.items import live, module_of
from lms.catalog.models import Lesson, Module
from lms.core import clock
from lms.learning import figures
from lms.learning.models import Enrolment, LessonProgress, QuizFigures
from lms.learning.services import withdraw
from lms.privacy.services import anonymise_user
from lms.quizzes import services as quiz_services
from lms.quizzes.models import GRACE_SECONDS, Quiz, QuizAttempt
from lms.reports.facts import facts
from lms.reports.filters import SHOW, ReportFilters
from tests.assessing.factory import make_assessor, make_assignment, submit
from tests.helpers import make_user
from tests.reports.conftest import Actions, at, import_sample

pytestmark = pytest.mark.db


def _plain(row) -> tuple:
    """A row of kept figures with its numbers as Decimals and its moments in UTC, whichever database read them."""
    return tuple(Decimal(str(v)) if isinstance(v, (Decimal, float)) else
                 v.astimezone(UTC) if isinstance(v, datetime) else v for v in row)


def kept(db) -> tuple[set, set]:
    """The kept figures, as rows of plain values: each enrolment's (id, *figures.KEPT), each quiz's."""
    enrolments = {_plain(row) for row in db.session.execute(
        select(Enrolment.id, *(getattr(Enrolment, name) for name in figures.KEPT)))}
    per_quiz = {(e, q, a, None if b is None else Decimal(str(b)), p, s) for e, q, a, b, p, s in db.session.execute(
        select(QuizFigures.enrolment_id, QuizFigures.quiz_id, QuizFigures.attempts, QuizFigures.best,
               QuizFigures.passed, QuizFigures.submitted))}
    return enrolments, per_quiz


def from_rows(db, now) -> dict[int, tuple]:
    """Each current enrolment's report figures counted in Python from the rows, as the README defines them:
    (lessons viewed, attempts, quizzes passed, course score, final submitted, final passed, progress)."""
    live_lessons = dict(db.session.execute(select(Lesson.id, Lesson.course_id).join(Module, module_of(Lesson))
                                           .where(live(Lesson))).all())
    quizzes = db.session.execute(select(Quiz, Module.position).join(Module, module_of(Quiz)).where(live(Quiz))).all()
    live_quizzes = {quiz.id: quiz.course_id for quiz, _ in quizzes}
    final = {}
    for quiz, position in sorted(quizzes, key=lambda qp: (qp[0].is_final, qp[1], qp[0].position, qp[0].id)):
        final[quiz.course_id] = quiz.id  # the last in this order wins
    live_assignments = set(db.session.scalars(select(Assignment.id).join(Module, module_of(Assignment))
                                              .where(live(Assignment))))
    limit = now - timedelta(seconds=GRACE_SECONDS)
    rows = {}
    for e in db.session.scalars(select(Enrolment).where(Enrolment.is_current.is_(True))):
        viewed = len([p for p in db.session.scalars(select(LessonProgress).where(LessonProgress.enrolment_id == e.id))
                      if p.lesson_id in live_lessons])
        attempts = [a for a in db.session.scalars(select(QuizAttempt).where(QuizAttempt.enrolment_id == e.id))
                    if a.quiz_id in live_quizzes]

        def closed(a):
            return a.status != "in_progress" or (a.deadline_at is not None and a.deadline_at < limit)

        best = {}
        for a in attempts:
            if closed(a):
                best[a.quiz_id] = max(best.get(a.quiz_id, Decimal(0)), a.percent or Decimal(0))
        passed = {a.quiz_id for a in attempts if a.passed}
        course_quizzes = [q for q, c in live_quizzes.items() if c == e.course_id]
        marks = set(db.session.scalars(select(Submission.assignment_id).join(Mark, Mark.submission_id == Submission.id)
                                       .where(Submission.enrolment_id == e.id, Mark.counts)))
        assessed = len(marks & live_assignments)
        items = (len([1 for c in live_lessons.values() if c == e.course_id]) + len(course_quizzes)
                 + len([1 for a in live_assignments if db.session.get(Assignment, a).course_id == e.course_id]))
        done = viewed + len(passed) + assessed
        progress = 0 if not items else 100 if done >= items else done * 100 // items
        fq = final.get(e.course_id)
        score = float(sum(best.values()) / len(course_quizzes)) if course_quizzes else None
        rows[e.id] = (viewed, len(attempts), len(passed), score,
                      int(any(closed(a) for a in attempts if a.quiz_id == fq)),
                      int(any(a.passed for a in attempts if a.quiz_id == fq)), progress)
    return rows


def check(db, world, now=None) -> None:
    """The kept figures are what the rows count, and every report figure is what counting the rows gives."""
    db.session.expire_all()
    stored = kept(db)
    every = select(Enrolment.id)
    counted_enrolments = {_plain(row) for row in db.session.execute(figures.counted(every))}
    # The final assessment's figures are kept for the quiz that was the course's final when they were counted (a
    # new enrolment has none yet; the final may have changed since): where the kept quiz is another, the report
    # reads the final's own row instead (checked below), and the kept pair is not compared.
    final = figures.KEPT.index("final_quiz_id") + 1
    counted_final = {row[0]: row[final] for row in counted_enrolments}
    stale = {row[0] for row in stored[0] if row[final] != counted_final.get(row[0])}

    def comparable(rows):
        return {(*row[:final], "stale", None, None, *row[final + 3:]) if row[0] in stale else row for row in rows}

    stored = (comparable(stored[0]), stored[1])
    counted_enrolments = comparable(counted_enrolments)
    counted_quizzes = {(e, q, a, None if b is None else Decimal(str(b)), p, s) for e, q, a, b, p, s in
                       db.session.execute(figures.counted_quizzes(every))}
    assert stored == (counted_enrolments, counted_quizzes)
    now = now or clock.now()
    f = facts(report_scope(world["admin"]), ReportFilters(withdrawn=SHOW), now)
    reported = {e: (v, a, p, None if c is None else round(float(c), 2), fs, fp, pr) for e, v, a, p, c, fs, fp, pr in
                db.session.execute(select(f.c.enrolment_id, f.c.lessons_viewed, f.c.attempts, f.c.quizzes_passed,
                                          f.c.course_score, f.c.final_submitted, f.c.final_passed, f.c.progress))}
    expected = {e: (*r[:3], None if r[3] is None else round(r[3], 2), *r[4:]) for e, r in from_rows(db, now).items()
                if e in reported}
    assert reported == expected and reported


def test_the_kept_figures_follow_a_mixed_history(db, world, course, tmp_path):
    act = Actions(db)
    db.session.execute(update(Quiz).where(Quiz.slug == "final").values(time_limit_minutes=10))
    db.session.commit()
    assignment = make_assignment(course, max_score=20, pass_mark=50)
    assessor = make_assessor(course, "marker@example.org", "Marta Marker")
    second, third = (make_user(f"t{n}@example.org", f"Trainee {n}", "trainee", world["ua"]) for n in (2, 3))
    first = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    other = act.enrol(second, course, "2024-05-01 09:00")
    last = act.enrol(third, course, "2024-05-01 09:00")
    act.enrol(world["other_trainee"], course, "2024-05-01 09:00")  # does nothing
    check(db, world)

    act.view(first, course, "intro", "2024-05-01 10:00")
    act.view(first, course, "intro", "2024-05-01 11:00")  # again: counts once
    act.quiz(first, course, "check", "2024-05-01 10:10", right=True)
    act.quiz(first, course, "final", "2024-05-01 10:20", right=False)
    act.view(other, course, "intro", "2024-05-01 10:00")
    act.view(other, course, "second", "2024-05-01 10:05")
    act.quiz(other, course, "check", "2024-05-01 10:10", right=False)
    act.quiz(other, course, "check", "2024-05-01 10:30", right=True)
    # Left open at 10:40: closed at its deadline (10:50) by the next touch; the third's stays open past it.
    expired = act.quiz(other, course, "final", "2024-05-01 10:40", submit=False)
    act.quiz(last, course, "final", "2024-05-02 09:00", submit=False)
    check(db, world, now=at("2024-05-02 09:05"))
    clock.freeze(at("2024-05-02 09:30"))
    try:
        assert quiz_services.close_if_expired(db.session.get(QuizAttempt, expired.id))
        check(db, world, now=clock.now())  # the third's final counts as submitted though still open
    finally:
        clock.freeze(None)

    work = submit(assignment, first)
    marking.mark_submission(work, MarkFields("marked", 0, score="15"), None, assessor)
    check(db, world)

    # Retired by hand (as a repair would), then restored by importing the package again.
    db.session.execute(update(Lesson).where(Lesson.slug == "intro").values(retired=True))
    db.session.execute(update(Quiz).where(Quiz.slug == "check").values(retired=True))
    db.session.execute(update(Assignment).where(Assignment.id == assignment.id).values(retired=True))
    db.session.commit()
    check(db, world)
    import_sample(tmp_path / "again")
    check(db, world)
    db.session.execute(update(Quiz).where(Quiz.slug == "final").values(is_final=False))
    db.session.commit()
    check(db, world)

    withdraw(db.session.get(Enrolment, other.id), "Left the service", world["admin"])
    db.session.commit()
    anonymise_user(db.session.get(type(third), third.id), world["admin"])
    db.session.commit()
    check(db, world)


def test_recount_rebuilds_the_figures_after_a_repair_by_hand(app, db, world, course):
    act = Actions(db)
    enrolment = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    act.view(enrolment, course, "intro", "2024-05-01 10:00")
    act.quiz(enrolment, course, "check", "2024-05-01 10:10", right=True)
    before = kept(db)
    # A repair by hand behind the application's back: the view deleted, the figures lost.
    db.session.execute(delete(LessonProgress))
    db.session.execute(update(Enrolment).values({name: 0 for name in figures.FIGURES}))
    db.session.commit()
    done = app.test_cli_runner().invoke(args=["reports", "recount"])
    assert done.exit_code == 0, done.output
    assert "1 / 1 courses" in done.output and "recounted: 1 enrolment(s) hold figures" in done.output
    db.session.expire_all()
    enrolments, per_quiz = kept(db)
    assert per_quiz == before[1]
    assert [row[1:6] for row in enrolments] == [(0, 1, Decimal("100"), 1, 0)]
    check(db, world)


def test_a_refresh_of_more_enrolments_than_a_statement_can_bind_runs_in_batches(db, world, course, monkeypatch):
    """A bulk enrolment refreshes 50,000 enrolments at once; SQLite binds a bounded number of values a statement
    (250,000 here), and the list is bound once per subquery. The batches together keep what one statement would."""
    act = Actions(db)
    second = make_user("t2@example.org", "Trainee 2", "trainee", world["ua"])
    enrolments = [act.enrol(user, course, "2024-05-01 09:00") for user in (world["trainee"], second)]
    act.view(enrolments[0], course, "intro", "2024-05-01 10:00")
    act.quiz(enrolments[1], course, "check", "2024-05-01 10:10", right=True)
    before = kept(db)
    figures.refresh(list(range(1, 60_001)))  # every id up to 60,000, the two among them
    db.session.commit()
    assert kept(db) == before
    monkeypatch.setattr(figures, "LISTED_BATCH", 1)
    db.session.execute(update(Enrolment).values({name: 0 for name in figures.FIGURES}))
    figures.refresh([e.id for e in enrolments])
    db.session.commit()
    assert kept(db) == before
    check(db, world)


def test_a_quiz_closed_and_a_certificate_issued_are_counted_by_adding_as_counting_would(db, world, course):
    """Submitting an attempt and issuing a certificate add to the kept figures (`count_closed_attempt`,
    `count_issued_certificate`) instead of counting every row again: after completions with and without an expiry,
    a failed final passed later, a revocation (counted again) and a quiz row lost by hand (counted again), the
    figures are what the rows count."""
    from lms.catalog.models import Course
    from lms.learning.models import Certificate
    from lms.learning.services import revoke_certificate

    act = Actions(db)
    people = [world["trainee"], *(make_user(f"t{n}@example.org", f"Trainee {n}", "trainee", world["ua"])
                                  for n in (2, 3, 4))]
    first, second, third, fourth = (act.enrol(person, course, "2024-05-01 09:00") for person in people)
    db.session.execute(update(Course).where(Course.id == course.id).values(certificate_validity_months=None))
    db.session.commit()
    act.complete_course(first, course, "2024-05-01 10:00", "2024-05-01 11:00")  # never expires
    db.session.execute(update(Course).where(Course.id == course.id).values(certificate_validity_months=12))
    db.session.commit()
    act.view(second, course, "intro", "2024-05-01 10:00")
    act.view(second, course, "second", "2024-05-01 10:00")
    act.quiz(second, course, "check", "2024-05-01 10:05", right=False)
    act.quiz(second, course, "final", "2024-05-01 10:10", right=False)  # the final failed: closed, not passed
    check(db, world)
    act.quiz(second, course, "final", "2024-05-02 10:05", right=True)  # the final passed later
    act.quiz(second, course, "check", "2024-05-02 10:10", right=True)  # completes: expires in 12 months
    act.complete_course(third, course, "2024-06-01 10:00", "2024-06-01 11:00")
    check(db, world)
    stored = {row[0]: row for row in kept(db)[0]}
    held, lasting, best = (figures.KEPT.index(name) + 1 for name in
                           ("certificates_held", "certificate_lasting", "certificate_best_expiry"))
    assert (stored[first.id][held], stored[first.id][lasting], stored[first.id][best]) == (1, 1, None)
    assert (stored[second.id][held], stored[second.id][lasting]) == (1, 0)
    assert stored[second.id][best] == at("2025-05-02 10:10")
    assert stored[second.id][figures.KEPT.index("final_passed") + 1] == 1

    revoked = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == third.id))
    revoke_certificate(revoked, "Issued in error", world["admin"])
    check(db, world)

    # The fourth's quiz row lost by hand: closing the attempt counts the enrolment again instead of adding.
    started = act.quiz(fourth, course, "check", "2024-05-03 10:00", submit=False)
    db.session.execute(delete(QuizFigures).where(QuizFigures.enrolment_id == fourth.id))
    db.session.commit()
    clock.freeze(at("2024-05-03 10:02"))
    try:
        attempt = db.session.get(QuizAttempt, started.id)
        quiz_services.submit_attempt(attempt, {})
    finally:
        clock.freeze(None)
    check(db, world)
