"""The schema comes from Alembic: migrations and models agree, and what each revision does to the data
on the way up and down. The walk of every step down and up on a populated database, and the
refusals of the downgrades that would lose data, are in tests/test_downgrades.py."""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pytest_alembic.tests import (  # noqa: F401 - collected as tests of this module
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import migrations_dir
from lms.core.migrating import ACCEPT_ATTRIBUTE, DataLossRefused
from lms.core.storage import current_storage
from tests.helpers import postgres_admin_url

pytestmark = pytest.mark.db


@pytest.fixture()
def alembic_config():
    return {"script_location": str(migrations_dir())}


@pytest.fixture()
def alembic_engine(app, tmp_path, database_url):
    """An empty database of the session's kind, separate from the one the other tests use."""
    if database_url.startswith("postgresql"):
        import psycopg

        name = f"lms_migrations_{uuid.uuid4().hex[:10]}"
        admin = postgres_admin_url()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        engine = create_engine(database_url.rsplit("/", 1)[0] + "/" + name)
        yield engine
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    """env.py reads the models' metadata from the running application."""
    with app.app_context():
        yield


def populate(engine, second_factor: bool = False, run: bool = False, recorded: bool = False,
             feed: bool = False, sessions: bool = False, rules: bool = False, failed_job: bool = False,
             mail: bool = False, export: bool = False, announcement: bool = False, assessed: bool = False,
             versions: bool = False, late: bool = False) -> None:
    """One row or more in every table, through the models; a second factor, a course run (with the
    trainee's enrolment in it), an availability rule, a recorded completion, a calendar feed and a training session
    of the run (with a trainer, a sign-up and a mark), a failed job, mail (a message with its attachment, a
    notification, preferences), an export job, an announcement, a language version (with an attempt taken in it) and
    answers received late after an outage only when asked, as 0012's to 0026's downgrades refuse over them or drop
    their tables (the tests going below them have none)."""
    from lms import models as m

    now = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    with Session(engine) as s:
        inst = m.Institution(code="UA-X", name="Academy", country="UA", timezone="Europe/Kyiv")
        s.add(inst)
        s.flush()
        admin = m.User(email="a@example.org", name="A", role="admin", password_hash="x")
        trainee = m.User(email="t@example.org", name="Тарас Шевченко", role="trainee", institution_id=inst.id)
        s.add_all([admin, trainee])
        s.flush()
        course = m.Course(slug="c", title="C", summary="S", language="en", status="published", outcomes=["o"],
                          topics=[m.CourseTopic(topic="strategy")])
        s.add(course)
        s.flush()
        module = m.Module(course_id=course.id, slug="m", position=1, title="M")
        s.add(module)
        s.flush()
        lesson = m.Lesson(course_id=course.id, module_id=module.id, slug="l", position=1, title="L", body="# x")
        quiz = m.Quiz(course_id=course.id, module_id=module.id, slug="q", position=2, title="Q")
        image = b"\x89PNG not really"
        digest = hashlib.sha256(image).hexdigest()
        current_storage().put(f"course-assets/{course.id}/{digest}", image)
        s.add_all([lesson, quiz, m.CourseAsset(course_id=course.id, path="m/a.png", mime_type="image/png",
                                                storage_key=f"course-assets/{course.id}/{digest}", size=len(image),
                                                sha256=digest)])
        s.flush()
        question = m.Question(course_id=course.id, quiz_id=quiz.id, slug="qq", position=1, kind="single_choice",
                              text="?", explanation="!", choices=[m.Choice(position=1, text="a", correct=True)])
        s.add(question)
        enrolment = m.Enrolment(user_id=trainee.id, course_id=course.id, status="completed", completed_at=now)
        s.add(enrolment)
        s.flush()
        attempt = m.QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=trainee.id, number=1,
                                status="submitted", submitted_at=now, draw=[{"slug": "qq"}], passed=True)
        s.add_all([attempt, m.LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id)])
        s.flush()
        s.add_all([
            m.AttemptAnswer(attempt_id=attempt.id, question_id=question.id, question_slug="qq", response=[1]),
            m.Certificate(code="abc", enrolment_id=enrolment.id, user_id=trainee.id, course_id=course.id,
                          holder_name=trainee.name, course_title="C"),
            m.AuditEvent(action="test", actor_id=admin.id, details={"k": "v"}),
            m.ApiToken(user_id=admin.id, name="t", token_hash="h" * 64, prefix="abc"),
            m.PasswordLink(user_id=trainee.id, token_hash="p" * 64, expires_at=now),
            m.Feedback(enrolment_id=enrolment.id, course_id=course.id, rating=5, comment="Useful"),
            m.CourseStaff(course_id=course.id, user_id=admin.id, role="owner"),
            m.SignInSession(user_id=trainee.id, token_hash="s" * 64, created_at=now, last_used_at=now,
                            user_agent="Firefox", address="192.0.2.1"),
            m.RecoveryCode(user_id=admin.id, code_hash="r" * 64, created_at=now),
        ])
        if second_factor:
            s.add(m.SecondFactor(user_id=admin.id, kind="totp", name="Phone", secret="sealed", created_at=now))
        if run:
            course_run = m.CourseRun(course_id=course.id, code="r1", title="Run", starts_on=now.date(),
                                     ends_on=now.date(), open_to_all=False, institutions=[inst])
            s.add(course_run)
            s.flush()
            enrolment.run_id = course_run.id
        if recorded:
            elsewhere = m.Enrolment(user_id=admin.id, course_id=course.id, status="completed", completed_at=now,
                                    source="recorded")
            s.add(elsewhere)
            s.flush()
            s.add(m.RecordedCompletion(enrolment_id=elsewhere.id, completed_on=now.date(), reason="Paper register",
                                       recorded_at=now))
        if feed:
            s.add(m.CalendarFeed(user_id=trainee.id, token_hash="c" * 64, created_at=now, last_used_at=now))
        if export:
            s.add(m.ExportJob(user_id=admin.id, kind="enrolments", fmt="csv", filters={"country": "UA"}, params={},
                              zone="Europe/Kyiv", status="done", rows_done=3, rows_total=3, created_at=now))
        if sessions:
            populate_sessions(s, course, enrolment, admin, trainee, now)
        if failed_job:  # retried already
            s.add(m.FailedJob(task="lms.quizzes.jobs.close_expired_attempts", arguments="[]", attempts=1,
                              error="OperationalError: x", failed_at=now, retried_at=now, retried_by_id=admin.id))
        if rules:  # the quiz opens once the lesson is read
            s.add(m.Condition(course_id=course.id, quiz_id=quiz.id, kind="lesson", needs_lesson_id=lesson.id))
        if mail:
            populate_mail(s, trainee, now)
        if announcement:
            s.add(m.Announcement(course_id=course.id, run_id=enrolment.run_id, author_id=admin.id, title="Room change",
                                 body="Meet in **room 4**.", send_mail=True, created_at=now))
        if assessed:
            s.flush()
            populate_assessed(s, course, enrolment, trainee, admin, admin, s.get(m.CourseRun, enrolment.run_id), now)
        if versions:
            populate_versions(s, course, lesson, attempt, now)
        if late:
            populate_late(s, quiz, attempt, admin, now)
        populate_figures(s)
        s.commit()


def populate_figures(s) -> None:
    """The kept figures (0028, on the enrolments since 0029) of every enrolment, counted again from the rows as the
    application counts them."""
    from lms import models as m
    from lms.learning import figures

    s.flush()
    every = select(m.Enrolment.id)
    s.execute(m.QuizFigures.__table__.delete())
    s.execute(m.QuizFigures.__table__.insert().from_select(
        ["enrolment_id", "quiz_id", "attempts", "best", "passed", "submitted"], figures.counted_quizzes(every)))
    s.execute(figures.keep_counted(every))


def populate_versions(s, course, lesson, attempt, at) -> None:
    """A Ukrainian version of the course with the lesson's texts, the attempt taken in it, and its trainee's
    choice to read it."""
    from lms import models as m

    s.get(m.Enrolment, attempt.enrolment_id).content_language = "uk"
    s.add_all([
        m.CourseVersion(course_id=course.id, language="uk", status="published", translated_from="en",
                        translated_by="Academy translators", reviewed=True, note="Reviewed by a trainer", updated_at=at),
        m.VersionText(course_id=course.id, language="uk", kind="lesson", item_id=lesson.id, title="Урок",
                      body="# Текст", data={"note": "x"}),
    ])
    attempt.language = "uk"


def populate_late(s, quiz, attempt, staff, at) -> None:
    """Answers of the attempt received late after an outage (from a file, accepted by staff), the quiz accepting
    them automatically, and the attempt's answers written by a numbered save."""
    from lms import models as m

    quiz.accept_late_answers = True
    for answer in s.scalars(select(m.AttemptAnswer).where(m.AttemptAnswer.attempt_id == attempt.id)):
        answer.seq = 3
    s.add(m.LateAnswers(attempt_id=attempt.id, quiz_id=quiz.id, user_id=attempt.user_id, source="file",
                        status="accepted", answers={"qq": {"seq": 4, "response": [1]}}, seq=4, device_saved_at=at,
                        received_at=at, received_by_id=staff.id, file_sha256="f" * 64, decided_at=at,
                        decided_by_id=staff.id, automatic=True))


def populate_mail(s, person, now) -> None:
    """A sent message with an attachment, a notification and mail preferences of the person."""
    from lms import models as m

    message = m.OutboxMessage(user_id=person.id, kind="announcement", key="ann:1", to_address=person.email,
                              subject="News", text_body="Hello", html_body="<p>Hello</p>",
                              unsubscribe_url="https://lms.example.org/mail/unsubscribe/x", status="sent", attempts=1,
                              created_at=now, attempted_at=now, sent_at=now)
    s.add(message)
    s.flush()
    s.add_all([
        m.MailAttachment(message_id=message.id, filename="a.ics", content_type="text/calendar", data=b"BEGIN"),
        m.Notification(user_id=person.id, kind="announcement", key="ann:1", title="News", link="/courses",
                       created_at=now, read_at=now),
        m.MailPreference(user_id=person.id, muted=["due"], digest=True, updated_at=now),
    ])


def populate_assessed(s, course, enrolment, trainee, assessor, admin, run, at) -> None:
    """Assessed work in every column: an assignment with a rubric, the trainee's returned submission with a
    file and its mark (held back, then superseded), an extension; a practical with a critical criterion, a
    signed record with a result and evidence; the assessor given the run; gradebook weights and an override;
    the course's rule leaving out practicals and grading by weights."""
    from lms import models as m

    module = s.scalar(select(m.Module))
    rubric = [{"title": "Analysis", "description": "Risks named", "levels": [{"title": "Good", "points": 4}]}]
    assignment = m.Assignment(course_id=course.id, module_id=module.id, slug="plan", position=4, title="Action plan",
                              instructions="Write *it*.", accepts="both", file_kinds="pdf,docx", max_file_mb=5,
                              max_files=2, due_on=date(2027, 3, 20), late_allowed=False, resubmissions=2,
                              max_score=4, pass_mark=60, rubric=rubric, rubric_version=2, hide_names=True,
                              hold_marks=True)
    practical = m.Practical(course_id=course.id, module_id=module.id, slug="seal", position=5, title="Seal check",
                            instructions="At lane 3.", pass_mark=80, hold_marks=True)
    s.add_all([assignment, practical])
    s.flush()
    submission = m.Submission(assignment_id=assignment.id, enrolment_id=enrolment.id, user_id=trainee.id, number=1,
                              status="returned", text="My plan", created_at=at, saved_at=at, submitted_at=at,
                              late=True, version=2)
    criterion = m.Criterion(practical_id=practical.id, slug="seal", position=1, text="Checks the seal number",
                            critical=True, retired=False)
    s.add_all([submission, criterion])
    s.flush()
    current_storage().put("assignments/0123.pdf", b"%PDF-1.4 plan")
    current_storage().put("evidence/0456.jpg", b"\xff\xd8\xff photo")
    record = m.Record(practical_id=practical.id, enrolment_id=enrolment.id, user_id=trainee.id, assessor_id=assessor.id,
                      assessed_on=date(2027, 3, 10), place="Lane 3", comment="Calm", percent=Decimal("100.00"),
                      passed=True, from_paper=True, signed_at=at, released_at=at, superseded_at=at)
    s.add(record)
    s.flush()
    s.add_all([
        m.SubmissionFile(submission_id=submission.id, storage_key="assignments/0123.pdf", name="plan.pdf",
                         mime_type="application/pdf", size=13, sha256="a" * 64, uploaded_at=at),
        m.Mark(submission_id=submission.id, assessor_id=assessor.id, outcome="returned", score=Decimal("2.00"),
               percent=Decimal("50.00"), passed=False, feedback="Name the risks", feedback_key="assignments/0789.pdf",
               feedback_name="notes.pdf", feedback_mime="application/pdf", feedback_size=9, rubric=rubric,
               rubric_version=1, levels=[0], created_at=at, released_at=at, superseded_at=at),
        m.Extension(assignment_id=assignment.id, enrolment_id=enrolment.id, due_on=date(2027, 3, 27),
                    reason="Power cuts", granted_by_id=admin.id, granted_at=at),
        m.Result(record_id=record.id, criterion_id=criterion.id, result="met", comment="Read aloud"),
        m.Evidence(record_id=record.id, storage_key="evidence/0456.jpg", name="lane.jpg", mime_type="image/jpeg",
                   size=9, sha256="b" * 64, uploaded_at=at),
        m.CourseStaff(course_id=course.id, user_id=trainee.id, role="assessor", added_at=at),
        m.Weight(course_id=course.id, kind="assignment", item_id=assignment.id, weight=Decimal("2.00")),
        m.Override(enrolment_id=enrolment.id, kind="total", item_id=0, percent=Decimal("75.00"), reason="Viva",
                   set_by_id=admin.id, set_at=at),
    ])
    if run is not None:
        s.execute(m.run_assessors.insert().values(run_id=run.id, user_id=trainee.id))
    course.completion_practicals, course.grading_rule = "none", "item_weights"


def populate_sessions(s, course, enrolment, trainer, trainee, now) -> None:
    """A session of the course (in the enrolment's run, if any) with a trainer, the trainee's sign-up and mark,
    and the trainer as the run's trainer."""
    from datetime import timedelta

    from lms import models as m

    session = m.TrainingSession(course_id=course.id, run_id=enrolment.run_id, kind="practical", title="Drill",
                                starts_at=now, ends_at=now + timedelta(hours=2), zone="Europe/Kyiv",
                                location="Range 2", online_url="https://example.org/room", capacity=10,
                                description="*Bring boots*", required=True, cutoff_hours=12, cancelled_at=now,
                                rescheduled_at=now, created_at=now, trainers=[trainer])
    s.add(session)
    s.flush()
    s.add_all([
        m.SessionSignUp(session_id=session.id, user_id=trainee.id, enrolment_id=enrolment.id, signed_up_at=now,
                        waiting_since=now, cancelled_at=now),
        m.AttendanceMark(session_id=session.id, user_id=trainee.id, status="late", marked_by_id=trainer.id,
                         marked_at=now),
    ])
    if enrolment.run_id is not None:
        s.execute(m.run_trainers.insert().values(run_id=enrolment.run_id, user_id=trainer.id))


def row_counts(engine) -> dict[str, int]:
    """Rows per table (alembic's own table left out)."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(f'"{t}"'))).scalar_one() for t in tables}


@contextmanager
def accepting(alembic_runner) -> Iterator[None]:
    """Run the migrations inside with the data loss accepted (as `lms db downgrade --accept-data-loss`)."""
    attributes = alembic_runner.command_executor.alembic_config.attributes
    attributes[ACCEPT_ATTRIBUTE] = True
    try:
        yield
    finally:
        attributes.pop(ACCEPT_ATTRIBUTE, None)


def test_every_table_is_populated(alembic_runner, alembic_engine):
    """The data set used below really touches every table of the schema."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, second_factor=True, run=True, recorded=True, feed=True, sessions=True, rules=True,
             failed_job=True, mail=True, export=True, announcement=True, assessed=True, versions=True, late=True)
    assert all(n > 0 for n in row_counts(alembic_engine).values()), row_counts(alembic_engine)


def test_backend_is_the_one_asked_for(database_url):
    """The PostgreSQL run really runs on PostgreSQL."""
    expected = "postgresql" if os.environ.get("LMS_TEST_BACKEND") == "postgres" else "sqlite"
    assert database_url.startswith(expected)


def test_question_drafts_keep_existing_questions_and_refuse_to_go_down_over_drafts(alembic_runner, alembic_engine):
    """0007 makes no existing question a draft; going below it is refused while a draft exists (the
    older schema would draw it into attempts), and allowed, keeping every row, once none is left; with
    the loss accepted, a draft goes down retired, never drawn."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    with accepting(alembic_runner):  # the sessions and recovery codes of 0011 and 0012
        alembic_runner.migrate_down_to("0006")
    alembic_runner.migrate_up_to("0007")
    with alembic_engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM questions WHERE draft")).scalar_one() == 0
        conn.execute(text("UPDATE questions SET draft = TRUE"))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0007: 1 question\(s\) are drafts"):
        alembic_runner.migrate_down_to("0006")
    assert row_counts(alembic_engine) == before
    assert "draft" in {c["name"] for c in inspect(alembic_engine).get_columns("questions")}
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE questions SET draft = FALSE"))
    alembic_runner.migrate_down_to("0006")
    assert "draft" not in {c["name"] for c in inspect(alembic_engine).get_columns("questions")}
    assert row_counts(alembic_engine) == before
    alembic_runner.migrate_up_to("0007")
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE questions SET draft = TRUE"))
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0006")
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM questions WHERE NOT retired")).scalar_one() == 0


def _images_at_0007(engine) -> dict[int, bytes]:
    """A course with a PNG and an SVG stored in the database, as revision 0007 keeps them."""
    from tests.images import diagram

    images = {1: diagram(640, 400), 2: b"<svg xmlns='http://www.w3.org/2000/svg'/>"}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO courses (id, slug, title, summary, language, status, version, estimated_hours, outcomes, "
            "self_enrolment, completion_lessons, completion_quizzes, created_at, updated_at) VALUES (7, 'c', 'C', "
            "'S', 'en', 'draft', 1, 1, '[]', true, 'all', 'all', :now, :now)"), {"now": datetime(2026, 1, 1, tzinfo=UTC)})
        for asset_id, data in images.items():
            conn.execute(text("INSERT INTO course_assets (id, course_id, path, mime_type, data, sha256) VALUES "
                              "(:id, 7, :path, :mime, :data, :sha)"),
                         {"id": asset_id, "path": f"m/{asset_id}", "mime": "image/png" if asset_id == 1 else "image/svg+xml",
                          "data": data, "sha": "stale" if asset_id == 1 else hashlib.sha256(data).hexdigest()})
    return images


def test_course_images_move_into_the_storage_and_back(alembic_runner, alembic_engine):
    """0008 moves the bytes into the storage and keeps a key; its downgrade moves them back."""
    alembic_runner.migrate_up_to("0007")
    images = _images_at_0007(alembic_engine)
    alembic_runner.migrate_up_one()
    assert "data" not in {c["name"] for c in inspect(alembic_engine).get_columns("course_assets")}
    with alembic_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text(
            "SELECT id, storage_key, size, sha256, width, height FROM course_assets"))}
    for asset_id, data in images.items():
        row = rows[asset_id]
        assert row.sha256 == hashlib.sha256(data).hexdigest()  # recomputed from the bytes, not trusted
        assert row.storage_key == f"course-assets/7/{row.sha256}" and row.size == len(data)
        assert current_storage().get(row.storage_key) == data
    assert (rows[1].width, rows[1].height, rows[2].width, rows[2].height) == (640, 400, None, None)
    alembic_runner.migrate_down_one()
    with alembic_engine.connect() as conn:
        back = {r.id: bytes(r.data) for r in conn.execute(text("SELECT id, data FROM course_assets"))}
    assert back == images
    assert "storage_key" not in {c["name"] for c in inspect(alembic_engine).get_columns("course_assets")}


def test_the_downgrade_refuses_when_a_file_is_missing_and_changes_nothing(alembic_runner, alembic_engine):
    alembic_runner.migrate_up_to("0007")
    _images_at_0007(alembic_engine)
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        key = conn.execute(text("SELECT storage_key FROM course_assets WHERE id = 1")).scalar_one()
    current_storage().delete(key)
    with pytest.raises(RuntimeError, match=r"1 file\(s\) are missing.*m/1.*nothing was changed"):
        alembic_runner.migrate_down_one()
    assert alembic_runner.current == "0008"
    columns = {c["name"] for c in inspect(alembic_engine).get_columns("course_assets")}
    assert "storage_key" in columns and "data" not in columns
    assert row_counts(alembic_engine)["course_assets"] == 2


def test_due_dates_become_dates_that_end_in_the_trainees_zone_and_come_back(alembic_runner, alembic_engine):
    """0009: a due date stored as 23:59 UTC of the typed date becomes that date, ending at midnight in the
    institution's zone (Kyiv for a Ukrainian academy); the downgrade writes 23:59 UTC of the date back,
    and refuses, changing nothing, while an enrolment keeps when and why it was withdrawn."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    with accepting(alembic_runner):  # the sessions and recovery codes of 0011 and 0012
        alembic_runner.migrate_down_to("0008")
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE enrolments SET due_at = :at"), {"at": datetime(2027, 3, 28, 23, 59, tzinfo=UTC)})
    alembic_runner.migrate_up_to("0009")
    with alembic_engine.begin() as conn:
        zone, days = conn.execute(text("SELECT timezone, expiry_notice_days FROM institutions")).one()
        due_on, due_at = conn.execute(text("SELECT due_on, due_at FROM enrolments")).one()
    assert (zone, days) == ("Europe/Kyiv", 60)
    assert str(due_on) == "2027-03-28"
    # 2027-03-29 00:00 in Kyiv, summer time (UTC+3) since 28 March: 21:00 UTC.
    assert str(due_at).startswith("2027-03-28 21:00")
    before = row_counts(alembic_engine)
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE enrolments SET status = 'withdrawn', withdrawn_at = due_at, "
                          "withdrawal_reason = 'wrong course'"))
    with pytest.raises(DataLossRefused, match=r"0009: 1 withdrawn enrolment\(s\) would lose when and why"):
        alembic_runner.migrate_down_to("0008")
    assert "due_on" in {c["name"] for c in inspect(alembic_engine).get_columns("enrolments")}
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE enrolments SET status = 'completed', withdrawn_at = NULL, withdrawal_reason = NULL"))
    alembic_runner.migrate_down_to("0008")
    assert row_counts(alembic_engine) == before
    with alembic_engine.begin() as conn:
        assert str(conn.execute(text("SELECT due_at FROM enrolments")).scalar_one()).startswith("2027-03-28 23:59")


def test_one_attempt_in_progress_settles_earlier_races_and_comes_down_keeping_rows(alembic_runner, alembic_engine):
    """0010: of two attempts a race left in progress, the earlier stays open and the later is closed as
    expired with 0 points; from then on the database refuses a second attempt in progress; the downgrade
    drops only that rule and keeps every row."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    with accepting(alembic_runner):  # the sessions and recovery codes of 0011 and 0012
        alembic_runner.migrate_down_to("0009")
    insert = text("INSERT INTO quiz_attempts (quiz_id, enrolment_id, user_id, number, status, started_at, draw) "
                  "SELECT quiz_id, enrolment_id, user_id, :number, 'in_progress', :at, draw FROM quiz_attempts "
                  "WHERE number = 1")
    with alembic_engine.begin() as conn:
        for number in (2, 3):
            conn.execute(insert, {"number": number, "at": datetime(2026, 2, 1, 8, number, tzinfo=UTC)})
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        rows = conn.execute(text("SELECT number, status, submitted_at, score, passed FROM quiz_attempts "
                                 "ORDER BY number")).all()
    assert [(r.number, r.status) for r in rows] == [(1, "submitted"), (2, "in_progress"), (3, "expired")]
    assert str(rows[2].submitted_at).startswith("2026-02-01 08:03") and rows[2].score == 0 and not rows[2].passed
    with pytest.raises(IntegrityError), alembic_engine.begin() as conn:
        conn.execute(insert, {"number": 4, "at": datetime(2026, 2, 1, 9, 0, tzinfo=UTC)})
    before = row_counts(alembic_engine)
    alembic_runner.migrate_down_one()
    assert row_counts(alembic_engine) == before
    with alembic_engine.begin() as conn:
        conn.execute(insert, {"number": 4, "at": datetime(2026, 2, 1, 9, 0, tzinfo=UTC)})


def test_sign_in_sessions_come_with_0011_and_go_with_its_downgrade(alembic_runner, alembic_engine):
    """0011 adds the table of sign-in sessions (a token's hash is unique); its downgrade drops the table, and
    only it, and is refused while it holds sessions (the record of devices and addresses), unless accepted."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    with pytest.raises(IntegrityError), alembic_engine.begin() as conn:
        conn.execute(text("INSERT INTO sign_in_sessions (token_hash, user_id, created_at, last_used_at) "
                          "SELECT token_hash, user_id, created_at, last_used_at FROM sign_in_sessions"))
    with alembic_engine.begin() as conn:
        conn.execute(text("DELETE FROM recovery_codes"))
    alembic_runner.migrate_down_to("0011")
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0011: 1 sign-in session\(s\), 1 of them open, would be deleted"):
        alembic_runner.migrate_down_to("0010")
    assert row_counts(alembic_engine) == before and alembic_runner.current == "0011"
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0010")
    after = row_counts(alembic_engine)
    assert after == {t: n for t, n in before.items() if t != "sign_in_sessions"}
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["sign_in_sessions"] == 0


def test_second_factors_come_with_0012_and_its_downgrade_refuses_while_anyone_has_one(alembic_runner,
                                                                                      alembic_engine):
    """0012 adds second factors and recovery codes; going below it would silently take the second factor
    away from the accounts that rely on it, so it is refused, changing nothing, while any exists (or a
    recovery code); once they are reset, the downgrade drops the two tables and keeps every other row."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, second_factor=True)
    alembic_runner.migrate_down_to("0012")  # 0013 (course runs, none here) goes down losing nothing
    with alembic_engine.connect() as conn:
        user_id = conn.execute(text("SELECT min(id) FROM users")).scalar_one()
    with pytest.raises(IntegrityError), alembic_engine.begin() as conn:  # a passkey needs its key
        conn.execute(text("INSERT INTO second_factors (user_id, kind, name, sign_count, created_at) "
                          "VALUES (:u, 'passkey', 'Key', 0, :at)"), {"u": user_id, "at": datetime(2026, 1, 2, tzinfo=UTC)})
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0012: 1 account\(s\) have a second factor.*"
                                              r"0012: 1 recovery code\(s\)"):
        alembic_runner.migrate_down_to("0011")
    assert row_counts(alembic_engine) == before
    with alembic_engine.begin() as conn:
        conn.execute(text("DELETE FROM recovery_codes"))
        conn.execute(text("DELETE FROM second_factors"))
    alembic_runner.migrate_down_to("0011")
    after = row_counts(alembic_engine)
    assert "second_factors" not in after and "recovery_codes" not in after
    assert after == {t: n for t, n in before.items()
                     if t not in ("second_factors", "recovery_codes")}


def test_course_runs_come_with_0013_and_its_downgrade_refuses_while_a_run_exists(alembic_runner, alembic_engine):
    """0013 adds course runs and places enrolments in them; existing enrolments stay in no run. The checks refuse
    a run ending before it starts, a window closing after the run, no places, a waiting enrolment in no
    run (the run's key is tested through the application, which has SQLite enforce keys). Going below 0013 is refused, changing nothing, while a
    run exists; accepted, an enrolment waiting for a place goes down withdrawn (nobody gains a place by
    it), and every other row is kept."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    alembic_runner.migrate_down_to("0012")  # no run yet: nothing lost
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT count(run_id), count(waiting_since) FROM enrolments")).one() == (0, 0)
    with alembic_engine.begin() as conn:
        course_id, user_id = conn.execute(text("SELECT course_id, user_id FROM enrolments")).one()
        conn.execute(text("INSERT INTO course_runs (course_id, code, title, starts_on, ends_on, open_to_all, "
                          "created_at) VALUES (:c, 'r', 'R', '2027-01-01', '2027-02-01', TRUE, :at)"),
                     {"c": course_id, "at": datetime(2026, 1, 2, tzinfo=UTC)})
        run_id = conn.execute(text("SELECT id FROM course_runs")).scalar_one()
        conn.execute(text("UPDATE enrolments SET run_id = :r, waiting_since = :at, status = 'active', "
                          "completed_at = NULL"), {"r": run_id, "at": datetime(2026, 1, 3, tzinfo=UTC)})
    for wrong in ("UPDATE course_runs SET ends_on = '2026-12-01'", "UPDATE course_runs SET capacity = 0",
                  "UPDATE course_runs SET enrol_closes_on = '2027-03-01'",
                  "UPDATE enrolments SET run_id = NULL"):
        with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
            conn.execute(text(wrong))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0013: 1 course run\(s\) \(0 open to a list of institutions\).*"
                                              r"1 enrolment\(s\) would lose their run.*"
                                              r"0013: 1 enrolment\(s\) on a waiting list would go down withdrawn"):
        alembic_runner.migrate_down_to("0012")
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0012")
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT status, withdrawn_at IS NOT NULL FROM enrolments WHERE user_id = :u"),
                            {"u": user_id}).one() == ("withdrawn", True)
    after = row_counts(alembic_engine)
    assert after == {t: n for t, n in before.items() if t not in ("course_runs", "course_run_institutions")}


def test_recorded_completions_come_with_0015_and_its_downgrade_refuses_while_one_exists(alembic_runner,
                                                                                        alembic_engine):
    """0015 adds the source "recorded" to the enrolments' check (on SQLite by changing the table's schema in
    place, as recreating it is impossible while foreign keys are enforced: the database stays sound) and the
    table of the details. Going below it is refused, changing nothing, while a recorded completion exists;
    accepted, the enrolment stays completed, made by an admin, and the check refuses "recorded" again."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, recorded=True)
    insert = ("INSERT INTO enrolments (user_id, course_id, cycle, is_current, source, status, enrolled_at) "
              "SELECT user_id, course_id, 9, FALSE, :source, 'active', enrolled_at FROM enrolments LIMIT 1")
    with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
        conn.execute(text(insert), {"source": "elsewhere"})
    with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:  # hours within (0, 1000]
        conn.execute(text("UPDATE recorded_completions SET hours = 1001"))
    if alembic_engine.dialect.name == "sqlite":
        with alembic_engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    alembic_runner.migrate_down_to("0015")  # what came after holds nothing: the steps down to here lose nothing
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0015: 1 recorded completion\(s\) would lose their details"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0015"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0015"))
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT source, status FROM enrolments WHERE completed_at IS NOT NULL "
                                 "ORDER BY id DESC LIMIT 1")).one() == ("admin", "completed")
        if alembic_engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert "recorded_completions" not in row_counts(alembic_engine)
    with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
        conn.execute(text(insert), {"source": "recorded"})
    alembic_runner.migrate_up_one()
    with alembic_engine.begin() as conn:  # and up again, it is accepted
        conn.execute(text(insert), {"source": "recorded"})


def test_calendar_feeds_come_with_0017_and_its_downgrade_refuses_while_one_exists(alembic_runner, alembic_engine):
    """0017 adds the calendar feeds: one per person, each token hash once. Going below it is refused, changing
    nothing, while a feed exists (its calendars would stop updating); accepted, only the feeds go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, feed=True)
    with alembic_engine.connect() as conn:
        user_id = conn.execute(text("SELECT user_id FROM calendar_feeds")).scalar_one()
    for wrong in ("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (:u, 'd', '2027-01-01')",
                  "INSERT INTO calendar_feeds (user_id, token_hash, created_at) "
                  "SELECT id, :h, '2027-01-01' FROM users WHERE id <> :u"):
        with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
            conn.execute(text(wrong), {"u": user_id, "h": "c" * 64})
    alembic_runner.migrate_down_to("0017")  # what came after holds nothing: the steps down to here lose nothing
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0017: 1 calendar feed address\(es\) would stop working"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0017"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0017"))
    assert row_counts(alembic_engine) == {t: n for t, n in before.items() if t != "calendar_feeds"}
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["calendar_feeds"] == 0


def test_export_jobs_come_with_0020_and_its_downgrade_refuses_while_one_exists(alembic_runner, alembic_engine):
    """0020 adds the export jobs, each of a known kind, state and format. Going below it is refused, changing
    nothing, while a job exists (its maker would lose the record of it); accepted, only the jobs go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, export=True)
    with alembic_engine.connect() as conn:
        user_id = conn.execute(text("SELECT user_id FROM export_jobs")).scalar_one()
    columns = "user_id, kind, fmt, filters, params, zone, status, rows_done, rows_total, created_at"
    for wrong in (f"INSERT INTO export_jobs ({columns}) VALUES (:u, 'everything', 'csv', '{{}}', '{{}}', 'UTC', "
                  "'done', 0, 0, '2027-01-01')",
                  f"INSERT INTO export_jobs ({columns}) VALUES (:u, 'runs', 'pdf', '{{}}', '{{}}', 'UTC', 'done', 0, 0, "
                  "'2027-01-01')",
                  f"INSERT INTO export_jobs ({columns}) VALUES (:u, 'runs', 'csv', '{{}}', '{{}}', 'UTC', 'lost', 0, 0, "
                  "'2027-01-01')",
                  f"INSERT INTO export_jobs ({columns}) VALUES (:u, 'runs', 'csv', '{{}}', '{{}}', 'UTC', 'done', -1, 0, "
                  "'2027-01-01')"):
        with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
            conn.execute(text(wrong), {"u": user_id})
    alembic_runner.migrate_down_to("0020")  # what came after holds nothing: the steps down to here lose nothing
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0020: 1 export job\(s\) and the record of them would be lost"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0020"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0020"))
    assert row_counts(alembic_engine) == {t: n for t, n in before.items() if t != "export_jobs"}
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["export_jobs"] == 0


def test_failed_jobs_come_with_0018_and_its_downgrade_refuses_while_one_waits(alembic_runner, alembic_engine):
    """0018 keeps the jobs that failed every try. Going below it is refused, changing nothing, while one is kept,
    retried or not; accepted, only the failures go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, failed_job=True)
    alembic_runner.migrate_down_to("0018")  # what came after holds nothing: the steps down to here lose nothing
    with alembic_engine.begin() as conn:
        conn.execute(text("INSERT INTO failed_jobs (task, arguments, attempts, error, failed_at) "
                          "VALUES ('lms.quizzes.jobs.close_expired_attempts', '[]', 1, 'OperationalError: x', "
                          "'2027-01-01')"))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0018: 2 failed job\(s\) would be forgotten \(1 not retried yet\)"):
        alembic_runner.migrate_down_to("0017")
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0017")
    assert "failed_jobs" not in row_counts(alembic_engine)
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["failed_jobs"] == 0


def test_mail_comes_with_0019_and_its_downgrade_refuses_while_mail_is_kept(alembic_runner, alembic_engine):
    """0019 adds the outbox, notifications and mail preferences, and the unread count on users (0 for everyone
    at first). Each idempotency key is used once. Going below it is refused, changing nothing, while any of it
    holds data; accepted, only they go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, mail=True)
    alembic_runner.migrate_down_to("0019")  # what came after holds nothing: the steps down to here lose nothing
    with alembic_engine.connect() as conn:
        assert set(conn.execute(text("SELECT unread_notifications FROM users")).scalars()) == {0}
    for wrong in ("INSERT INTO notifications (user_id, kind, key, title, created_at) "
                  "SELECT user_id, kind, key, title, created_at FROM notifications",
                  "UPDATE outbox_messages SET status = 'lost'"):
        with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
            conn.execute(text(wrong))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0019: 1 sent mail\(s\) would leave the outbox.*"
                                              r"0019: 1 notification\(s\).*0019: 1 person\(s\)"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0019"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0019"))
    mail = {"outbox_messages", "mail_attachments", "notifications", "mail_preferences"}
    assert row_counts(alembic_engine) == {t: n for t, n in before.items() if t not in mail}
    alembic_runner.migrate_up_one()
    assert all(row_counts(alembic_engine)[t] == 0 for t in mail)


def test_announcements_come_with_0021_and_its_downgrade_refuses_while_one_exists(alembic_runner, alembic_engine):
    """0021 adds announcements (to a course, or to one of its runs). Going below it is refused, changing nothing,
    while one exists (its trainees would no longer find it); accepted, only the announcements go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, run=True, announcement=True)
    alembic_runner.migrate_down_to("0021")  # what came after holds nothing: the steps down to here lose nothing
    with alembic_engine.connect() as conn:
        run_id, author_id = conn.execute(text("SELECT run_id, author_id FROM announcements")).one()
    assert run_id is not None and author_id is not None
    with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
        conn.execute(text("INSERT INTO announcements (course_id, body, send_mail, created_at) "
                          "SELECT id, 'y', TRUE, '2027-01-01' FROM courses"))  # no title
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0021: 1 announcement\(s\) would be deleted"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0021"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0021"))
    assert row_counts(alembic_engine) == {t: n for t, n in before.items() if t != "announcements"}
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["announcements"] == 0


def test_assessed_work_comes_with_0022_and_its_downgrade_refuses_while_any_exists(alembic_runner, alembic_engine):
    """0022 adds assignments, practical assessments, assessors and the gradebook's settings; existing courses
    ask for every assignment and practical (they have none) and grade by the mean. Going below it is refused,
    changing nothing, while an assignment exists; accepted, only the assessed work goes."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    alembic_runner.migrate_down_to("0022")
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT completion_assignments, completion_practicals, grading_rule "
                                 "FROM courses")).one() == ("all", "all", "mean")
    insert = ("INSERT INTO assignments (course_id, module_id, slug, position, title, instructions, accepts, "
              "file_kinds, max_file_mb, max_files, late_allowed, resubmissions, max_score, pass_mark, rubric_version, "
              "hide_names, hold_marks, retired) SELECT course_id, id, '{slug}', 9, 'Plan', '', '{accepts}', 'pdf', "
              "10, 3, TRUE, 1, 100, 50, 1, FALSE, FALSE, FALSE FROM modules")
    with pytest.raises(IntegrityError, match="."), alembic_engine.begin() as conn:
        conn.execute(text(insert.format(slug="v", accepts="video")))  # not a kind of hand-in
    with alembic_engine.begin() as conn:
        conn.execute(text(insert.format(slug="plan", accepts="both")))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0022: 1 assignment\(s\) would be deleted, with 0 submission\(s\)"):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0022"))
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to(alembic_runner.history.previous_revision("0022"))
    assert row_counts(alembic_engine) == {t: n for t, n in before.items() if t in row_counts(alembic_engine)}
    assert "assignments" not in row_counts(alembic_engine)
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["assignments"] == 0


def test_the_export_job_heartbeat_comes_with_0023_and_its_downgrade_refuses_while_a_job_has_one(alembic_runner,
                                                                                               alembic_engine):
    """0023 gives export jobs a heartbeat (set while one is written). Going below it loses nothing when no job
    holds one; while one does (a job being written) it is refused, changing nothing; accepted, only the heartbeat
    goes."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, export=True)
    alembic_runner.migrate_down_to("0022")  # the finished job holds no heartbeat: nothing lost
    alembic_runner.migrate_up_one()
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE export_jobs SET status = 'running', heartbeat_at = created_at"))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0023: 1 export job\(s\) being written would lose the time of their "
                                              r"last progress"):
        alembic_runner.migrate_down_to("0022")
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT heartbeat_at FROM export_jobs")).scalar_one() is not None
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0022")
    assert row_counts(alembic_engine) == before
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        assert conn.execute(text("SELECT status, heartbeat_at FROM export_jobs")).one() == ("running", None)


def test_offline_answers_come_with_0026_with_a_token_for_every_attempt_and_its_downgrade_refuses_over_them(
        alembic_runner, alembic_engine):
    """0026 gives every existing attempt its own token; going below it loses nothing when no answer came late, no
    quiz accepts them automatically and no answer has a sequence number; while any does, it is refused changing
    nothing; accepted, only those go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    alembic_runner.migrate_down_to("0025")  # nothing late, nothing numbered: nothing lost
    with alembic_engine.begin() as conn:  # a second attempt, made before tokens existed
        conn.execute(text("INSERT INTO quiz_attempts (quiz_id, enrolment_id, user_id, number, status, started_at, "
                          "draw) SELECT quiz_id, enrolment_id, user_id, 2, 'in_progress', started_at, draw "
                          "FROM quiz_attempts"))
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        tokens = conn.execute(text("SELECT token FROM quiz_attempts")).scalars().all()
    assert len(tokens) == 2 and all(t and len(t) >= 20 for t in tokens) and len(set(tokens)) == 2
    from lms import models as m  # as populate does: the models need the application's context

    with Session(alembic_engine) as s:
        populate_late(s, s.scalar(select(m.Quiz)), s.scalar(select(m.QuizAttempt).where(m.QuizAttempt.number == 1)),
                      s.scalar(select(m.User).where(m.User.role == "admin")), datetime(2026, 1, 15, tzinfo=UTC))
        s.commit()
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0026: 1 set\(s\) of answers received late after an outage \(0 waiting "
                                              r"for a decision\) would be deleted.*0026: 1 quiz\(zes\) would stop "
                                              r"accepting.*0026: 1 saved answer\(s\) would forget"):
        alembic_runner.migrate_down_to("0025")
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0025")
    assert "late_answers" not in row_counts(alembic_engine)
    assert row_counts(alembic_engine)["attempt_answers"] == before["attempt_answers"]
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["late_answers"] == 0


def test_language_versions_come_with_0024_and_its_downgrade_refuses_while_one_exists(alembic_runner, alembic_engine):
    """0024 adds language versions, the version an attempt was taken in and the one a trainee reads. Going below it loses nothing when
    there are none; while a version or an attempt in one exists it is refused, changing nothing; accepted, only
    the versions and the attempts' language go."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    alembic_runner.migrate_down_to("0023")  # no version: nothing lost
    alembic_runner.migrate_up_to("heads")  # the models below are the latest schema's
    from lms import models as m  # as populate does: the models need the application's context

    with Session(alembic_engine) as s:
        populate_versions(s, s.scalar(select(m.Course)), s.scalar(select(m.Lesson)), s.scalar(select(m.QuizAttempt)),
                          datetime(2026, 1, 15, tzinfo=UTC))
        s.commit()
    alembic_runner.migrate_down_to("0024")  # the later steps lose nothing of this
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0024: 1 language version\(s\) of courses with their texts, the "
                                              r"version 1 quiz attempt\(s\) were taken in and the version 1 "
                                              r"trainee\(s\) chose to read would be lost"):
        alembic_runner.migrate_down_to("0023")
    assert row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("0023")
    assert "course_versions" not in row_counts(alembic_engine)
    assert row_counts(alembic_engine)["quiz_attempts"] == before["quiz_attempts"]
    alembic_runner.migrate_up_one()
    assert row_counts(alembic_engine)["course_versions"] == 0


def test_low_data_mode_comes_with_0025_off_for_everyone_and_its_downgrade_refuses_while_anyone_has_it_on(
        alembic_runner, alembic_engine):
    """0025 adds users.low_data_mode, off for the accounts already there. Going below it loses nothing while
    everyone has it off; while one person has it on it is refused, changing nothing; accepted, only that
    choice goes (the accounts stay)."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)  # with the models, which know the column
    alembic_runner.migrate_down_to("0024")  # nobody has it on: nothing lost
    alembic_runner.migrate_up_to("0025")
    with alembic_engine.connect() as conn:
        assert set(conn.execute(text("SELECT low_data_mode FROM users")).scalars()) == {False}
    with alembic_engine.begin() as conn:
        conn.execute(text("UPDATE users SET low_data_mode = TRUE WHERE role = 'trainee'"))
    before = row_counts(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0025: 1 person\(s\) would lose their choice of low-data mode"):
        alembic_runner.migrate_down_one()
    assert alembic_runner.current == "0025" and row_counts(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_one()
    assert "low_data_mode" not in {c["name"] for c in inspect(alembic_engine).get_columns("users")}
    assert row_counts(alembic_engine)["users"] == before["users"]


def test_kept_figures_come_with_0028_counted_from_the_rows_and_its_downgrade_drops_only_them(alembic_runner,
                                                                                             alembic_engine):
    """0028 fills the figures the reports read from the rows they count, set-based, as the application counts
    them; going below it drops them (derived data: nothing to accept) and leaves every other row as it was."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, assessed=True, run=True)
    alembic_runner.migrate_down_to("0028")
    with alembic_engine.connect() as conn:
        kept = [conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
                for table in ("enrolment_figures", "quiz_figures")]
    assert kept[0] and kept[1]
    before = {table: n for table, n in row_counts(alembic_engine).items()
              if table not in ("enrolment_figures", "quiz_figures")}
    alembic_runner.migrate_down_to("0027")
    assert row_counts(alembic_engine) == before
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as conn:
        assert [conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
                for table in ("enrolment_figures", "quiz_figures")] == kept


KEPT_COLUMNS = ("lessons_viewed", "attempts", "score_sum", "quizzes_passed", "assessed_passed", "final_quiz_id",
                "final_submitted", "final_passed", "certificates_held", "certificate_lasting",
                "certificate_best_expiry")


def test_kept_figures_move_onto_the_enrolments_with_0029_and_come_back_with_its_downgrade(alembic_runner,
                                                                                          alembic_engine):
    """0029 moves the kept figures onto the enrolments, with the final assessment's and the certificates', filled
    from the rows as the application counts them; its downgrade builds enrolment_figures again from them, and
    going up again gives the same values: nothing is lost either way."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine, assessed=True, run=True, recorded=True)
    columns = ", ".join(KEPT_COLUMNS)

    def on_enrolments():
        with alembic_engine.connect() as conn:
            return conn.execute(text(f"SELECT id, {columns} FROM enrolments ORDER BY id")).all()

    counted = on_enrolments()
    # The trainee's enrolment: a lesson viewed, the quiz (the course's final) passed, a certificate held for good.
    trainee = counted[0]
    assert (trainee.lessons_viewed, trainee.attempts, trainee.quizzes_passed, trainee.final_submitted,
            trainee.final_passed, trainee.certificates_held) == (1, 1, 1, 1, 1, 1)
    assert trainee.final_quiz_id is not None
    before = row_counts(alembic_engine)
    alembic_runner.migrate_down_to("0028")
    assert "lessons_viewed" not in {c["name"] for c in inspect(alembic_engine).get_columns("enrolments")}
    with alembic_engine.connect() as conn:
        rebuilt = conn.execute(text("SELECT * FROM enrolment_figures ORDER BY enrolment_id")).all()
    assert [tuple(r) for r in rebuilt] == [tuple(r[:6]) for r in counted
                                           if r.lessons_viewed or r.attempts or r.assessed_passed]
    after = row_counts(alembic_engine)
    assert {t: n for t, n in after.items() if t != "enrolment_figures"} == before
    alembic_runner.migrate_up_one()
    assert on_enrolments() == counted
