"""Downgrades keep the data the older schema can hold, and refuse the rest unless told to.

Every step is walked down and up again on a database where every column of every table holds a value,
and every table's rows (their contents, column by column) are compared before and after: a step that
keeps its data gives back exactly what it took. A step with data the older schema has no place for
refuses, names it, and changes nothing; with the loss accepted it goes on, and loses only that. A
downgrade of many steps is refused whole, naming every loss; `lms db downgrade` does the same, asks
before going down to base, and accepts with `--accept-data-loss`.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from lms.core.migrating import DataLossRefused
from lms.core.storage import current_storage
from tests.images import diagram
from tests.test_migrations import (  # noqa: F401 - the fixtures of the migration tests, used here too
    _app_context,
    accepting,
    alembic_config,
    alembic_engine,
    populate,
    populate_assessed,
    populate_figures,
    populate_mail,
    populate_sessions,
    populate_late,
    populate_versions,
)

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
LMS = str(Path(sys.executable).parent / "lms")

AT = datetime(2026, 1, 15, 9, 30, 12, 345678, tzinfo=UTC)  # microseconds: their text must come back too
ANONYMISED_AT = datetime(2026, 2, 1, 10, 0, 0, 123456, tzinfo=UTC)


def _end_of(day: date, zone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def populate_every_column(engine) -> None:
    """`populate` (a row in every table, a second factor included), then a value in every column of every
    table, and one of each thing some downgrade cannot keep: a passkey and a used recovery code, an ended
    sign-in session, an institution with its own zone and notice period, a person with their own zone, a
    withdrawn enrolment and a due date set in that zone, a draft question, an acknowledged privacy
    notice, an anonymised account (its certificate without a holder name), course staff, feedback, a course
    run open to a list of institutions with an enrolment in it and one withdrawn from its waiting list, a
    training session of the run with a trainer, a sign-up and a mark, a trainer on the course's staff, a course
    with an attendance rule and a certificate stating hours, a completion recorded by hand with its evidence
    file, a calendar feed, mail (a sent digest, the held message it carried, a notification, preferences),
    availability rules of every kind, and an announcement to the run, corrected, withdrawn and mailed."""
    from lms import models as m

    populate(engine, second_factor=True)
    platform_zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    with Session(engine) as s:
        admin = s.scalar(select(m.User).where(m.User.role == "admin"))
        trainee = s.scalar(select(m.User).where(m.User.role == "trainee"))
        inst, course = s.scalar(select(m.Institution)), s.scalar(select(m.Course))
        quiz, question = s.scalar(select(m.Quiz)), s.scalar(select(m.Question))
        enrolment, attempt = s.scalar(select(m.Enrolment)), s.scalar(select(m.QuizAttempt))

        course.enrolment_key_hash, course.certificate_validity_months, course.package_hash = "k" * 40, 24, "p" * 64
        quiz.time_limit_minutes, quiz.draw_count = 30, 3
        admin.locale, admin.timezone, admin.last_login_at = "uk", "Europe/Warsaw", AT
        admin.low_data_mode = True
        admin.privacy_acknowledged_at = trainee.privacy_acknowledged_at = AT
        enrolment.enrolled_by_id, enrolment.source = admin.id, "admin"
        enrolment.started_at = enrolment.last_activity_at = AT
        enrolment.due_on, enrolment.due_at = date(2027, 3, 28), _end_of(date(2027, 3, 28), "Europe/Kyiv")
        attempt.deadline_at, attempt.score, attempt.max_score, attempt.percent = AT, 1, 1, 100
        for answer in s.scalars(select(m.AttemptAnswer)):
            answer.points, answer.correct = 1, True
        for token in s.scalars(select(m.ApiToken)):
            token.last_used_at, token.expires_at, token.revoked_at = AT, AT, AT
        for link in s.scalars(select(m.PasswordLink)):
            link.created_by_id, link.used_at, link.purpose = admin.id, AT, "reset"
        certificate = s.scalar(select(m.Certificate))
        certificate.institution_name, certificate.expires_at = inst.name, AT
        certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = AT, "issued in error", admin.id
        factor = s.scalar(select(m.SecondFactor))
        factor.last_step, factor.last_used_at = 12345, AT
        s.add_all([
            m.SecondFactor(user_id=trainee.id, kind="passkey", name="Key", credential_id=b"\x01cred",
                           public_key=b"\x02key", sign_count=3, created_at=AT),
            m.RecoveryCode(user_id=admin.id, code_hash="u" * 64, created_at=AT, used_at=AT),
            m.FailedJob(task="lms.quizzes.jobs.close_expired_attempts", arguments="[]", attempts=1,
                        error="OperationalError: x", failed_at=AT, retried_at=AT, retried_by_id=admin.id),
            m.SignInSession(user_id=admin.id, token_hash="e" * 64, created_at=AT, last_used_at=AT, ended_at=AT),
            m.Question(course_id=course.id, quiz_id=quiz.id, slug="tf", position=2, kind="true_false", text="T?",
                       explanation="!", true_false_answer=True),
            m.Question(course_id=course.id, quiz_id=quiz.id, slug="st", position=3, kind="short_text", text="S?",
                       explanation="!", accepted_answers=["yes"]),
            m.Question(course_id=course.id, quiz_id=quiz.id, slug="nu", position=4, kind="numeric", text="N?",
                       explanation="!", numeric_answer=2.5, numeric_tolerance=0.5),
            m.Question(course_id=course.id, quiz_id=quiz.id, slug="draft", position=5, kind="true_false",
                       text="Unfinished?", explanation="", true_false_answer=False, draft=True),
        ])
        image = diagram(64, 32)
        digest = hashlib.sha256(image).hexdigest()
        current_storage().put(f"course-assets/{course.id}/{digest}", image)
        s.add(m.CourseAsset(course_id=course.id, path="m/d.png", mime_type="image/png", size=len(image),
                            storage_key=f"course-assets/{course.id}/{digest}", sha256=digest, width=64, height=32))

        # An institution with its own zone and notice period; its trainee's enrolment, withdrawn, is due at
        # the end of the date in that zone.
        other = m.Institution(code="US-X", name="Other", country="US", timezone="America/Chicago",
                              expiry_notice_days=30, active=False)
        s.add(other)
        s.flush()
        leaver = m.User(email="l@example.org", name="L", role="trainee", institution_id=other.id)
        instructor = m.User(email="i@example.org", name="I", role="instructor")
        gone = m.User(email="g@example.org", name="G", role="trainee", institution_id=inst.id)
        s.add_all([leaver, instructor, gone])
        s.flush()
        gone.email, gone.name, gone.active, gone.anonymised_at = (f"anonymised-{gone.id}@anonymised.invalid",
                                                                  f"Anonymised user {gone.id}", False, ANONYMISED_AT)
        s.add_all([
            m.Enrolment(user_id=leaver.id, course_id=course.id, status="withdrawn", withdrawn_at=AT,
                        withdrawal_reason="moved to another unit", due_on=date(2027, 6, 1),
                        due_at=_end_of(date(2027, 6, 1), "America/Chicago")),
            m.Enrolment(user_id=instructor.id, course_id=course.id, due_on=date(2027, 5, 10),
                        due_at=_end_of(date(2027, 5, 10), platform_zone)),
            m.AuditEvent(action="user.anonymised", target_type="users", target_id=gone.id, institution_id=inst.id,
                         created_at=ANONYMISED_AT, details={}),
        ])
        gone_enrolment = m.Enrolment(user_id=gone.id, course_id=course.id, status="completed", completed_at=AT)
        s.add(gone_enrolment)
        s.flush()
        s.add(m.Certificate(code="gone", enrolment_id=gone_enrolment.id, user_id=gone.id, course_id=course.id,
                            holder_name=None, course_title="C", expires_at=AT + timedelta(days=730)))
        # A cancelled run open to one institution: the trainee's enrolment holds a place in it, the leaver
        # was on its waiting list when withdrawn.
        run = m.CourseRun(course_id=course.id, code="2027-03", title="March", starts_on=date(2027, 3, 1),
                          ends_on=date(2027, 3, 28), enrol_opens_on=date(2027, 1, 1), enrol_closes_on=date(2027, 2, 20),
                          capacity=1, open_to_all=False, cancelled_at=AT, created_at=AT, institutions=[inst])
        s.add(run)
        s.flush()
        enrolment.run_id = run.id
        # Training done elsewhere, recorded by the admin with an evidence file.
        elsewhere = m.Enrolment(user_id=instructor.id, course_id=course.id, cycle=2, is_current=False,
                                source="recorded", status="completed", completed_at=AT)
        s.add(elsewhere)
        s.flush()
        current_storage().put("recorded-evidence/0123.pdf", b"%PDF-1.4 register")
        s.add(m.RecordedCompletion(enrolment_id=elsewhere.id, completed_on=date(2025, 11, 14), hours=Decimal("7.50"),
                                   reason="Paper register", evidence_key="recorded-evidence/0123.pdf",
                                   evidence_name="register.pdf", evidence_type="application/pdf", evidence_size=17,
                                   recorded_by_id=admin.id, recorded_at=AT))
        s.execute(m.Enrolment.__table__.update().where(m.Enrolment.user_id == leaver.id)
                  .values(run_id=run.id, waiting_since=AT))
        run.dates_changed_at = AT
        course.completion_attendance, course.completion_attendance_min = "at_least", 2
        course.certificate_states_hours, course.sign_up_cutoff_hours = True, 12
        certificate.attended_hours = 3.5
        s.add(m.CourseStaff(course_id=course.id, user_id=instructor.id, role="trainer", added_at=AT))
        populate_sessions(s, course, enrolment, instructor, trainee, AT)
        # Mail: a sent message and a held one it carried as the digest, with the error of an earlier attempt.
        populate_mail(s, trainee, AT)
        s.flush()
        digest = s.scalar(select(m.OutboxMessage))
        s.add(m.OutboxMessage(user_id=admin.id, kind="due", key="due:1", to_address=admin.email, subject="Due",
                              text_body="Due", html_body="<p>Due</p>", unsubscribe_url="https://x/u", status="held",
                              attempts=2, last_error="451 try later", created_at=AT, attempted_at=AT, sent_at=AT,
                              digest_id=digest.id))
        # A calendar feed address, read by an app.
        s.add(m.CalendarFeed(user_id=trainee.id, token_hash="f" * 64, created_at=AT, last_used_at=AT))
        s.add(m.ExportJob(user_id=admin.id, kind="drilldown", fmt="xlsx", filters={"course": "c", "institution": "UA-X"},
                          params={"sort": "name"}, zone="Europe/Kyiv", status="failed", rows_done=10, rows_total=20,
                          file_key="exports/1-ab.xlsx", file_name="trainees.xlsx", error="OSError: disk full",
                          created_at=AT, finished_at=AT, expires_at=AT, heartbeat_at=AT))
        # Availability rules of every kind: the quiz opens after the lesson is read and a week into the run;
        # a second lesson after the quiz is passed with 80 %, from a date; the first after another course.
        lesson = s.scalar(select(m.Lesson))
        second = m.Lesson(course_id=course.id, module_id=lesson.module_id, slug="l2", position=3, title="L2",
                          body="Two")
        s.add(second)
        s.flush()
        s.add_all([
            m.Condition(course_id=course.id, quiz_id=quiz.id, kind="lesson", needs_lesson_id=lesson.id),
            m.Condition(course_id=course.id, quiz_id=quiz.id, kind="run_days", days_after_start=7),
            m.Condition(course_id=course.id, lesson_id=second.id, kind="quiz", needs_quiz_id=quiz.id, min_percent=80),
            m.Condition(course_id=course.id, lesson_id=second.id, kind="date", opens_on=date(2027, 3, 3)),
            m.Condition(course_id=course.id, lesson_id=lesson.id, kind="course", needs_course_slug="basics"),
        ])
        s.add(m.Announcement(course_id=course.id, run_id=run.id, author_id=instructor.id, title="Range closed",
                             body="The range is *closed* on Friday.", send_mail=True, created_at=AT, edited_at=AT,
                             withdrawn_at=AT, mailed_through=trainee.id, mailed_at=AT))
        populate_assessed(s, course, enrolment, trainee, instructor, admin, run, AT)
        populate_versions(s, course, lesson, attempt, AT)
        populate_late(s, quiz, attempt, admin, AT)
        populate_figures(s)  # after every row they count (0028 counts them again when upgraded)
        s.commit()



def contents(engine) -> dict[str, list[tuple]]:
    """Every row of every table (alembic's left out), as sorted (column, value) pairs, rows sorted."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    found = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            found[table] = sorted((tuple(sorted((k, bytes(v) if isinstance(v, memoryview) else v)
                                                for k, v in row.items())) for row in rows), key=repr)
    return found


def without(snapshot: dict[str, list[tuple]], left_out: set[str]) -> dict[str, list[tuple]]:
    """`snapshot` without the tables (`table`) and columns (`table.column`) named in `left_out`."""
    return {table: [tuple((k, v) for k, v in row if f"{table}.{k}" not in left_out) for row in rows]
            for table, rows in snapshot.items() if table not in left_out}


def _all_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


# What each step cannot keep of the data above: the words of its refusal, and the tables or columns an
# accepted loss takes (everything else comes back as it was). The steps not named keep everything.
LOSSES = {
    "0026": (r"0026: 1 set\(s\) of answers received late after an outage \(0 waiting for a decision\) would be deleted.*"
             r"0026: 1 quiz\(zes\) would stop accepting answers received late automatically.*"
             r"0026: 1 saved answer\(s\) would forget the sequence number",
             {"late_answers", "quizzes.accept_late_answers", "attempt_answers.seq", "quiz_attempts.token"}),
    "0025": (r"0025: 1 person\(s\) would lose their choice of low-data mode", {"users.low_data_mode"}),
    "0024": (r"0024: 1 language version\(s\) of courses with their texts, the version 1 quiz attempt\(s\) were "
             r"taken in and the version 1 trainee\(s\) chose to read would be lost",
             {"course_versions", "version_texts", "quiz_attempts.language", "enrolments.content_language"}),
    "0022": (r"0022: 1 assignment\(s\) would be deleted, with 1 submission\(s\) and 1 mark\(s\).*"
             r"0022: 1 practical assessment\(s\) would be deleted, with 1 signed-off record\(s\).*"
             r"0022: 2 run assessor\(s\) and assessor staff membership\(s\).*"
             r"0022: 2 gradebook weight\(s\) and override\(s\).*"
             r"0022: 1 course\(s\) would lose their rule for assessed work or their grading rule",
             {"assignments", "assignment_submissions", "assignment_files", "assignment_marks", "assignment_extensions",
              "practicals", "practical_criteria", "practical_records", "practical_results", "practical_evidence",
              "run_assessors", "grade_weights", "grade_overrides", "course_staff", "courses.completion_assignments",
              "courses.completion_practicals", "courses.grading_rule"}),
    "0019": (r"0019: 1 mail\(s\) not yet sent would be lost.*0019: 1 sent mail\(s\) would leave the outbox.*"
             r"0019: 1 notification\(s\) would be deleted.*0019: 1 person\(s\) would lose their mail preferences.*"
             r"0019: 1 set-password link\(s\) would forget they were asked for by mail",
             {"outbox_messages", "mail_attachments", "notifications", "mail_preferences", "password_links.purpose"}),
    "0015": (r"0015: 1 recorded completion\(s\) would lose their details \(day, hours, reason; 1 evidence file\(s\)",
             {"recorded_completions", "enrolments.source"}),
    "0020": (r"0020: 1 export job\(s\) and the record of them would be lost", {"export_jobs"}),
    "0021": (r"0021: 1 announcement\(s\) would be deleted", {"announcements"}),
    "0023": (r"0023: 1 export job\(s\) being written would lose the time of their last progress",
             {"export_jobs.heartbeat_at"}),
    "0018": (r"0018: 1 failed job\(s\) would be forgotten \(0 not retried yet\)", {"failed_jobs"}),
    "0017": (r"0017: 1 calendar feed address\(es\) would stop working", {"calendar_feeds"}),
    "0016": (r"0016: 1 training session\(s\) would be deleted, with 1 sign-up\(s\) and 1 attendance mark\(s\).*"
             r"0016: 2 run trainer\(s\) and trainer staff membership\(s\).*"
             r"0016: 1 course\(s\) would lose their attendance rule.*"
             r"0016: 1 certificate\(s\) would no longer state the hours attended.*"
             r"0016: 1 course run\(s\) would forget when their dates changed",
             {"training_sessions", "training_session_trainers", "session_sign_ups", "attendance_marks", "run_trainers",
              "course_staff", "courses.completion_attendance", "courses.completion_attendance_min",
              "courses.certificate_states_hours", "courses.sign_up_cutoff_hours", "certificates.attended_hours",
              "course_runs.dates_changed_at"}),
    "0014": (r"0014: 5 availability condition\(s\) of 3 lesson\(s\) and quiz\(zes\) would be deleted",
             {"availability_conditions"}),
    "0013": (r"0013: 1 course run\(s\) \(1 open to a list of institutions\) would be deleted, and 1 enrolment\(s\) "
             r"would lose their run",
             {"course_runs", "course_run_institutions", "enrolments.run_id", "enrolments.waiting_since"}),
    "0012": (r"0012: 2 account\(s\) have a second factor.*0012: 2 recovery code\(s\)",
             {"second_factors", "recovery_codes"}),
    "0011": (r"0011: 2 sign-in session\(s\), 1 of them open, would be deleted", {"sign_in_sessions"}),
    "0009": (r"0009: 1 institution\(s\) have another time zone than their country's.*"
             r"0009: 1 institution\(s\) have another expiry notice period than 60 days.*"
             r"0009: 1 person\(s\) chose their own time zone.*"
             r"0009: 1 withdrawn enrolment\(s\) would lose when and why.*"
             r"0009: 1 due date\(s\) end at another moment",
             {"institutions.timezone", "institutions.expiry_notice_days", "users.timezone",
              "enrolments.withdrawn_at", "enrolments.withdrawal_reason", "enrolments.due_at"}),
    "0007": (r"0007: 1 question\(s\) are drafts", {"questions.draft", "questions.retired"}),
    # The anonymised account comes back marked, from its address and its audit event: only the
    # acknowledgements are lost.
    "0004": (r"0004: 2 person\(s\) acknowledged the privacy notice", {"users.privacy_acknowledged_at"}),
    "0003": (r"0003: 1 course staff membership\(s\) \(the owners and instructors of 1 course\(s\)\)",
             {"course_staff"}),
    "0002": (r"0002: 1 course feedback entry\(ies\)", {"feedback"}),
    "0001": (r"0001: every table would be dropped, with its rows: api_tokens \(1\), attempt_answers \(1\)", None),
}
# A cache key, not data: 0005's upgrade gives each course a new random outline stamp, so that no
# outline cached before the downgrade is served after it. 0026's gives each attempt a new random token.
REGENERATED = {"0005": {"courses.outline_stamp"}, "0026": {"quiz_attempts.token"}}


def _deal_with(revision: str, conn) -> None:
    """What an operator does first so that the step loses nothing (the refusals say which)."""
    statements = {
        "0026": ["DELETE FROM late_answers", "UPDATE quizzes SET accept_late_answers = FALSE",
                 "UPDATE attempt_answers SET seq = NULL"],
        "0025": ["UPDATE users SET low_data_mode = FALSE"],  # each turns it off in the footer or the profile
        "0024": ["DELETE FROM version_texts", "DELETE FROM course_versions", "UPDATE quiz_attempts SET language = NULL",
             "UPDATE enrolments SET content_language = NULL"],
        "0022": ["DELETE FROM assignment_marks", "DELETE FROM assignment_files", "DELETE FROM assignment_extensions",
                 "DELETE FROM assignment_submissions", "DELETE FROM assignments", "DELETE FROM practical_results",
                 "DELETE FROM practical_evidence", "DELETE FROM practical_records", "DELETE FROM practical_criteria",
                 "DELETE FROM practicals", "DELETE FROM run_assessors", "DELETE FROM course_staff WHERE role = 'assessor'",
                 "DELETE FROM grade_weights", "DELETE FROM grade_overrides",
                 "UPDATE courses SET completion_assignments = 'all', completion_practicals = 'all', grading_rule = 'mean'"],
        "0019": ["DELETE FROM mail_attachments", "DELETE FROM outbox_messages", "DELETE FROM notifications",
                 "DELETE FROM mail_preferences",  # lms data prune, or anonymisation
                 "UPDATE password_links SET purpose = NULL"],
        "0015": ["DELETE FROM recorded_completions", "UPDATE enrolments SET source = 'admin' WHERE source = 'recorded'"],
        "0023": ["UPDATE export_jobs SET heartbeat_at = NULL"],  # let the jobs being written end first
        "0021": ["DELETE FROM announcements"],  # withdrawn by staff do not go either: only deleting does
        "0020": ["DELETE FROM export_jobs"],  # lms data prune once their files are gone, or anonymisation
        "0018": ["DELETE FROM failed_jobs"],  # read on the admins' page (/admin/jobs) first
        "0017": ["DELETE FROM calendar_feeds"],  # lms data anonymise, or the person removes the address
        "0016": ["DELETE FROM attendance_marks", "DELETE FROM session_sign_ups", "DELETE FROM training_session_trainers",
                 "DELETE FROM training_sessions", "DELETE FROM run_trainers",
                 "DELETE FROM course_staff WHERE role = 'trainer'",
                 "UPDATE courses SET completion_attendance = 'none', completion_attendance_min = NULL, "
                 "certificate_states_hours = FALSE, sign_up_cutoff_hours = 24",
                 "UPDATE certificates SET attended_hours = NULL", "UPDATE course_runs SET dates_changed_at = NULL"],
        "0014": ["DELETE FROM availability_conditions"],
        "0013": ["UPDATE enrolments SET run_id = NULL, waiting_since = NULL", "DELETE FROM course_run_institutions",
                 "DELETE FROM course_runs"],
        "0012": ["DELETE FROM recovery_codes", "DELETE FROM second_factors"],  # lms users reset-mfa
        "0011": ["DELETE FROM sign_in_sessions"],
        "0009": ["UPDATE users SET timezone = NULL",
                 "UPDATE institutions SET timezone = 'America/New_York', expiry_notice_days = 60 WHERE country = 'US'",
                 "UPDATE enrolments SET status = 'active', withdrawn_at = NULL, withdrawal_reason = NULL "
                 "WHERE status = 'withdrawn'"],
        "0007": ["UPDATE questions SET draft = FALSE"],  # completed in the quiz editor
        "0004": ["UPDATE users SET privacy_acknowledged_at = NULL"],
        "0003": ["DELETE FROM course_staff"],
        "0002": ["DELETE FROM feedback"],
    }
    for statement in statements.get(revision, []):
        conn.execute(text(statement))
    if revision == "0009":  # the restored enrolment's due date ends in its institution's zone (learning.recompute_due)
        due = datetime.combine(date(2027, 6, 1) + timedelta(days=1), time(0), tzinfo=ZoneInfo("America/New_York"))
        conn.execute(text("UPDATE enrolments SET due_at = :at WHERE due_on = :day"),
                     {"at": _stored(due, conn), "day": _stored(date(2027, 6, 1), conn)})
    if revision == "0001":
        for table in ("attempt_answers", "choices", "quiz_attempts", "questions", "lesson_progress", "certificates",
                      "quizzes", "password_links", "lessons", "enrolments", "audit_events", "api_tokens", "users",
                      "modules", "course_topics", "course_assets", "institutions", "courses"):
            conn.execute(text(f"DELETE FROM {table}"))


def _stored(value, conn):
    """A value as SQLAlchemy's types write it (SQLite: UTC text with microseconds; dates as ISO)."""
    if conn.dialect.name != "sqlite":
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


@pytest.mark.parametrize("mode", ["accept", "deal"])
def test_each_step_down_and_up_keeps_every_row_or_refuses_changing_nothing(alembic_runner, alembic_engine, mode,
                                                                          monkeypatch):
    """Every step, from the latest down to nothing: where the older schema can hold all the data, down and
    up again gives back every row of every table as it was. Where it cannot, the step is refused, naming
    what would be lost, and nothing changes; then either the loss is accepted (`accept`: the step goes on
    and loses only that) or the operator deals with it first (`deal`); either way the step then goes down
    and up again giving back exactly what it took."""
    # A platform zone (LMS_TIMEZONE) other than UTC: the due date of a person without an institution ends there.
    monkeypatch.setitem(current_app.config, "BABEL_DEFAULT_TIMEZONE", "Asia/Tokyo")
    alembic_runner.migrate_up_to("heads")
    populate_every_column(alembic_engine)
    steps = [r for r in alembic_runner.history.revisions if r not in ("base", "heads")]
    assert [r for r in LOSSES if r not in steps] == []
    for revision in reversed(steps):
        assert alembic_runner.current == revision
        before = contents(alembic_engine)
        if revision in LOSSES:
            words, lost = LOSSES[revision]
            with pytest.raises(DataLossRefused, match=words):
                alembic_runner.migrate_down_one()
            assert alembic_runner.current == revision, "a refused step left its revision"
            assert contents(alembic_engine) == before, f"the refused step below {revision} changed data"
            if mode == "accept":
                with accepting(alembic_runner):
                    alembic_runner.migrate_down_one()
                alembic_runner.migrate_up_one()
                after = contents(alembic_engine)
                if lost is None:  # the first revision: everything is gone
                    assert all(rows == [] for rows in after.values())
                else:
                    for table, rows in without(after, lost).items():
                        assert rows == without(before, lost)[table], f"{revision}: accepted loss took {table} too"
                if revision == "0007":  # the draft went down retired: the older schema never drew it
                    with alembic_engine.connect() as conn:
                        assert conn.execute(text("SELECT retired FROM questions WHERE slug = 'draft'")).scalar_one()
            else:
                with alembic_engine.begin() as conn:
                    _deal_with(revision, conn)
            before = contents(alembic_engine)
        alembic_runner.migrate_down_one()
        alembic_runner.migrate_up_one()
        after = contents(alembic_engine)
        left_out = REGENERATED.get(revision, set())
        for table in before:
            assert without(after, left_out)[table] == without(before, left_out)[table], (
                f"going below {revision} and up again changed {table}")
        alembic_runner.migrate_down_one()
    assert alembic_runner.current == "base" and _all_tables(alembic_engine) == set()


def test_the_walks_data_holds_a_value_in_every_column(alembic_runner, alembic_engine):
    """The data set of the walk leaves no column empty at the latest revision, so a step that loses a
    column's values cannot go unnoticed."""
    alembic_runner.migrate_up_to("heads")
    populate_every_column(alembic_engine)
    empty = []
    with alembic_engine.connect() as conn:
        for table in _all_tables(alembic_engine):
            for column in inspect(alembic_engine).get_columns(table):
                if conn.execute(text(f'SELECT count("{column["name"]}") FROM "{table}"')).scalar_one() == 0:
                    empty.append(f"{table}.{column['name']}")
    assert empty == []


def test_a_downgrade_of_many_steps_is_refused_whole_naming_every_loss(alembic_runner, alembic_engine):
    """Going from the latest schema to 0002 in one run is refused at its end, listing the losses of every
    step on the way, and rolled back whole: the steps that had gone through are undone too (SQLite as
    PostgreSQL). Accepted, it goes through."""
    alembic_runner.migrate_up_to("heads")
    populate_every_column(alembic_engine)
    head, before = alembic_runner.current, contents(alembic_engine)
    with pytest.raises(DataLossRefused) as refused:
        alembic_runner.command_executor.downgrade("0002")
    assert [revision for revision, _what in refused.value.losses] == [
        "0026", "0026", "0026", "0025", "0024", "0023", "0022", "0022", "0022", "0022", "0022", "0021", "0020", "0019", "0019", "0019", "0019", "0019", "0018", "0017", "0016", "0016", "0016", "0016", "0016",
        "0015", "0014", "0013", "0012", "0012", "0011", "0009", "0009", "0009",
        "0009", "0009", "0007", "0004", "0003"]
    assert alembic_runner.current == head and contents(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.command_executor.downgrade("0002")
    assert alembic_runner.current == "0002"
    assert without(contents(alembic_engine), {"feedback"})["users"] != []


def test_going_down_to_nothing_is_refused_over_data_and_accepted(alembic_runner, alembic_engine):
    """A populated database goes all the way down only with the loss accepted, and back up cleanly."""
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    before = contents(alembic_engine)
    with pytest.raises(DataLossRefused, match=r"0001: every table would be dropped"):
        alembic_runner.command_executor.downgrade("base")
    assert contents(alembic_engine) == before
    with accepting(alembic_runner):
        alembic_runner.migrate_down_to("base")
    assert _all_tables(alembic_engine) == set()
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    assert len(contents(alembic_engine)["users"]) == 2


# --- the command line -----------------------------------------------------------------------------------

def _lms(*args, engine, tmp_path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "LMS_STORAGE_DIR": current_app.config["STORAGE_DIR"]}
    return subprocess.run([LMS, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_lms_db_downgrade_refuses_losses_until_accepted(alembic_runner, alembic_engine, tmp_path):
    """`lms db downgrade 0002` on a database that holds what the older schemas cannot: one line naming
    every loss, exit 1, nothing changed; with `--accept-data-loss` (or `-x accept-data-loss=yes`) it goes
    down, and the log says what was lost."""
    alembic_runner.migrate_up_to("heads")
    populate_every_column(alembic_engine)
    before = contents(alembic_engine)
    refused = _lms("db", "downgrade", "0002", engine=alembic_engine, tmp_path=tmp_path)
    assert refused.returncode == 1 and refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert refused.stderr.startswith("Error: this downgrade would lose data that the older schema has no place for, "
                                     "so nothing was changed. 0026: 1 set(s) of answers received late")
    assert "0025: 1 person(s) would lose their choice of low-data mode" in refused.stderr
    assert "0024: 1 language version(s)" in refused.stderr
    assert "0023: 1 export job(s) being written" in refused.stderr
    assert "0022: 1 assignment(s)" in refused.stderr
    assert "0021: 1 announcement(s)" in refused.stderr
    assert "0020: 1 export job(s)" in refused.stderr
    assert "0019: 1 mail(s) not yet sent" in refused.stderr
    assert "0018: 1 failed job(s)" in refused.stderr
    assert "0017: 1 calendar feed address(es)" in refused.stderr
    assert "0015: 1 recorded completion(s)" in refused.stderr
    assert "0016: 1 training session(s)" in refused.stderr
    assert "0014: 5 availability condition(s)" in refused.stderr
    assert "0013: 1 course run(s)" in refused.stderr
    assert "0012: 2 account(s) have a second factor" in refused.stderr
    assert "0003: 1 course staff membership(s)" in refused.stderr
    assert "`lms db downgrade 0002 --accept-data-loss`" in refused.stderr
    assert contents(alembic_engine) == before and alembic_runner.current != "0002"

    by_x = _lms("db", "downgrade", "-x", "accept-data-loss=yes", "0011", engine=alembic_engine, tmp_path=tmp_path)
    assert by_x.returncode == 0, by_x.stderr
    accepted = _lms("db", "downgrade", "0002", "--accept-data-loss", engine=alembic_engine, tmp_path=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout == "Database downgraded from schema revision 0011 to 0002.\n"
    assert "accepted loss going below schema revision 0003: 1 course staff membership(s)" in accepted.stderr
    assert "@" not in accepted.stderr + refused.stderr  # counts, never whose
    assert alembic_runner.current == "0002"


@pytest.mark.slow
def test_lms_db_downgrade_base_asks_first(alembic_runner, alembic_engine, tmp_path):
    """Going down to base drops everything: the command asks, and a no changes nothing; a yes (or --yes)
    goes down, the confirmation accepting the loss."""
    alembic_runner.migrate_up_to("heads")
    head = alembic_runner.current
    populate(alembic_engine)
    before = contents(alembic_engine)
    declined = _lms("db", "downgrade", "base", engine=alembic_engine, tmp_path=tmp_path, stdin="n\n")
    assert declined.returncode == 1 and "drops every table" in declined.stdout
    assert declined.stderr.strip() == "Aborted."
    assert contents(alembic_engine) == before
    confirmed = _lms("db", "downgrade", "base", engine=alembic_engine, tmp_path=tmp_path, stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert confirmed.stdout.endswith(f"Database downgraded from schema revision {head} to base.\n")
    assert _all_tables(alembic_engine) == set()
    alembic_runner.migrate_up_to("heads")
    populate(alembic_engine)
    unasked = _lms("db", "downgrade", "base", "--yes", engine=alembic_engine, tmp_path=tmp_path, stdin="")
    assert unasked.returncode == 0 and "Continue?" not in unasked.stdout, unasked.stderr
    assert _all_tables(alembic_engine) == set()
