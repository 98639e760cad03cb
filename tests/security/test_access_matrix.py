"""Every route of the app, from the URL map, for every role, with objects of their own and of
another institution or course: the expected status, or the test fails. A new route without an
entry here fails the test too."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms.catalog.models import Course
from lms.learning.models import Certificate
from lms.quizzes.models import QuizAttempt
from lms.runs.models import CourseRun
from lms.announcements.models import Announcement
from lms.announcements.services import post as post_announcement
from lms.attendance.models import TrainingSession
from lms.runs.queries import run_by_id
from lms.runs.services import RunFields, create_run
from lms.sessions.services import SessionFields, create_session
from tests.helpers import PASSWORD, make_staff, make_user, take_quiz

pytestmark = pytest.mark.db

ROLES = ("anonymous", "trainee", "instructor", "coordinator", "admin")
LOGIN = {302}          # sent to the sign-in page
OK = {200}
DENIED = {403}
MISSING = {404}
DONE = {200, 302, 303}  # an allowed form post: done, or shown again with a message
BAD = {400}             # an allowed form post refused for its content (what the empty test form is)


def signed_in(ok=OK):
    return lambda role, variant: LOGIN if role == "anonymous" else ok


def public(ok=OK):
    return lambda role, variant: ok


def only(roles, ok=OK, other=DENIED, variant_other=None):
    """`roles` may; others get `other`; with an object of another institution/course, `variant_other`."""
    def rule(role, variant):
        if role == "anonymous":
            return LOGIN
        if role not in roles:
            return other
        if variant == "other" and variant_other is not None and role != "admin":
            return variant_other
        return ok
    return rule


def internal_only(ok=OK):
    """Decided by the client's address (or the operator's token), never by the role: the test client connects
    from 127.0.0.1, inside the default LMS_METRICS_ALLOW, so every role, signed in or not, reads it here;
    test_metrics_are_hidden_from_every_role_elsewhere makes the same requests from outside (404 to all)."""
    return lambda role, variant: ok


def api(ok=OK):
    """The API takes bearer tokens only: a browser session is not enough."""
    return lambda role, variant: {401}


# endpoint -> (GET rule, POST rule); None = the method does not exist for that endpoint.
EXPECT = {
    "main.home": (public(), None),
    "main.healthz": (public(), None),
    "main.readyz": (public(), None),
    "main.favicon": (public(), None),
    "main.metrics": (internal_only(), None),
    "main.language": (None, public({302})),
    # The low-data switch: anyone, signed in or not (the empty form turns it off), then back to a page.
    "main.low_data": (None, public({302})),
    "static": (public(), None),
    "auth.login": (lambda r, v: OK if r == "anonymous" else {302}, lambda r, v: {200} if r == "anonymous" else {302}),
    "auth.logout": (None, public({302})),
    "auth.set_password": (public(MISSING), public(MISSING)),
    # "Forgot your password?": for visitors; the empty form is shown again. Signed in, one goes to the profile.
    "auth.forgot_password": (lambda r, v: OK if r == "anonymous" else {302},
                             lambda r, v: OK if r == "anonymous" else {302}),
    "auth.profile": (signed_in(), signed_in({200, 302})),
    "auth.change_password": (None, signed_in({200, 302})),
    # Ending a sign-in session that is not one's own (here: none such exists) is "not found" to anyone.
    "auth.end_session": (None, signed_in(MISSING)),
    # The second step of signing in: without a password given first, back to the sign-in page (anyone); a
    # signed-in person is sent home. Cancelling it leads to the sign-in page (home, when signed in).
    "mfa.verify": (public({302}), public({302})),
    "mfa.cancel": (None, public({302})),
    # One's own second factors: every signed-in person (the empty form of a set-up is shown again with its
    # errors; a removal or new codes without the password go back to the list with a message).
    "mfa.security": (signed_in(), None),
    "mfa.add_app": (signed_in(), signed_in({200})),
    "mfa.add_passkey": (None, signed_in({302})),
    "mfa.remove": (None, signed_in({302})),
    "mfa.recovery_codes": (None, signed_in({302})),
    # Resetting an account's second factor: admins only, as ending its sessions.
    "people.reset_mfa": (None, lambda r, v: LOGIN if r == "anonymous" else (
        {302} if r == "admin" else MISSING if r == "coordinator" and v == "other" else DENIED)),
    "people.index": (only({"coordinator", "admin"}), only({"coordinator", "admin"})),
    "people.create": (only({"coordinator", "admin"}), only({"coordinator", "admin"}, DONE)),
    "people.edit": (only({"coordinator", "admin"}, OK, variant_other=MISSING),
                    only({"coordinator", "admin"}, DONE, variant_other=MISSING)),
    "people.password_link": (None, only({"coordinator", "admin"}, OK, variant_other=MISSING)),
    # The person page and the record: another institution's officer is "not found" to a coordinator.
    "people.person": (only({"coordinator", "admin"}, OK, variant_other=MISSING), None),
    "people.record": (only({"coordinator", "admin"}, OK, variant_other=MISSING), None),
    # Signing an account out everywhere: admins only; a coordinator may not, even for their own trainee.
    "people.end_sessions": (None, lambda r, v: LOGIN if r == "anonymous" else (
        {302} if r == "admin" else MISSING if r == "coordinator" and v == "other" else DENIED)),
    # The trainees' enrolments are completed: only an admin may withdraw one (the empty form is refused);
    # none is withdrawn, so nobody may restore one.
    "people.withdraw": (None, lambda r, v: LOGIN if r == "anonymous" else (
        BAD if r == "admin" else MISSING if r == "coordinator" and v == "other" else DENIED)),
    "people.restore": (None, lambda r, v: LOGIN if r == "anonymous" else (
        MISSING if r == "coordinator" and v == "other" else DENIED)),
    "institutions.index": (only({"admin"}), None),
    "institutions.create": (only({"admin"}), only({"admin"}, DONE)),
    "institutions.edit": (only({"admin"}), only({"admin"}, DONE)),
    "catalog.index": (public(), None),
    "learning.course": (public(), None),
    "catalog.asset": (public(), None),
    "learning.enrol": (None, signed_in({302})),
    # Keeping a language version of a course: the empty form is refused to everyone signed in (only an
    # enrolled trainee's choice among the course's languages is kept).
    "learning.choose_version": (None, lambda r, v: LOGIN if r == "anonymous" else BAD),
    "learning.enrolment_key": (None, only({"admin"}, {302})),
    # Courses kept on the device (lms.offline): the service worker's script, the manifest, who is signed in and
    # the offline page are for anyone; the addresses of a course to keep and the views read offline are for its
    # enrolled trainee alone (the matrix's post has no time in it: refused as such).
    "offline.worker": (public(), None),
    "offline.manifest": (public(), None),
    "offline.session_state": (public(), None),
    "offline.page": (public(), None),
    "offline.course_urls": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r == "trainee" and v == "own" else DENIED), None),
    "offline.lesson_view": (None, lambda r, v: LOGIN if r == "anonymous" else (
        BAD if r == "trainee" and v == "own" else DENIED)),
    "learning.my_learning": (signed_in(), None),
    "learning.my_record": (signed_in(), None),
    "learning.my_record_file": (signed_in(), None),
    "learning.resume": (signed_in({302}), None),
    # Enrolled trainees read lessons; the course's staff preview; others are sent to the course page.
    "learning.lesson": (lambda r, v: LOGIN if r == "anonymous" else (OK if (r == "trainee" and v == "own") or
                        (r == "instructor" and v == "own") or r == "admin" else {302}), None),
    # Completed trainees give feedback; staff, coordinators and admins read the summary.
    "learning.feedback": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r in ("coordinator", "admin") or (r == "trainee" and v == "own") or (r == "instructor" and v == "own")
        else DENIED), lambda r, v: LOGIN if r == "anonymous" else ({200, 302} if r == "trainee" and v == "own"
                                                                   else DENIED)),
    "learning.certificate_pdf": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r == "admin" or (r in ("trainee", "coordinator") and v == "own") else DENIED), None),
    "learning.verify": (public(), None),
    "learning.revoke": (None, only({"admin"}, {302})),
    "learning.enrol_trainee": (only({"coordinator", "admin"}, OK, other=MISSING, variant_other=MISSING),
                               only({"coordinator", "admin"}, {200, 302}, other=MISSING, variant_other=MISSING)),
    "quizzes.quiz": (lambda r, v: LOGIN if r == "anonymous" else (OK if (r == "trainee" and v == "own") or
                     (r == "instructor" and v == "own") or r == "admin" else {302}), None),
    "quizzes.start": (None, lambda r, v: LOGIN if r == "anonymous" else ({302} if r == "trainee" and v == "own"
                                                                          else DENIED)),
    # Attempts belong to their trainee: anyone else's is "not found".
    "quizzes.attempt": (lambda r, v: LOGIN if r == "anonymous" else (
        {200, 302} if r == "trainee" and v == "own" else MISSING),
        lambda r, v: LOGIN if r == "anonymous" else ({302, 400} if r == "trainee" and v == "own" else MISSING)),
    "quizzes.confirm": (lambda r, v: LOGIN if r == "anonymous" else (
        {200, 302} if r == "trainee" and v == "own" else MISSING),
        lambda r, v: LOGIN if r == "anonymous" else ({302} if r == "trainee" and v == "own" else MISSING)),
    "quizzes.review": (lambda r, v: LOGIN if r == "anonymous" else (
        {200, 302} if r == "trainee" and v == "own" else MISSING), None),
    "authoring.index": (only({"instructor", "admin"}), None),
    "authoring.new_course": (only({"instructor", "admin"}), only({"instructor", "admin"}, DONE)),
    "authoring.upload": (only({"instructor", "admin"}), only({"instructor", "admin"}, DONE | BAD)),
    "audit.index": (only({"admin"}), None),
    # The job queue's page: admins only; retrying a failed job that does not exist is "not found" to them.
    "jobs.index": (only({"admin"}), None),
    "jobs.retry": (None, only({"admin"}, MISSING)),
    # Mail: one's own notifications and preferences (a notification that is not one's own, here none, is "not
    # found"); the one-click unsubscribe opens by its signed address only (a wrong one: 404 to all); the outbox
    # and its .eml files, admins only.
    "mail.notifications": (signed_in(), None),
    "mail.mark_read": (None, signed_in(MISSING)),
    "mail.mark_all_read": (None, signed_in({302})),
    "mail.preferences": (signed_in(), signed_in({302})),
    "mail.unsubscribe": (public(MISSING), public(MISSING)),
    "mail.outbox": (only({"admin"}), None),
    "mail.eml": (only({"admin"}, MISSING), None),
    "privacy.notice": (public(), None),
    "privacy.acknowledge": (None, signed_in({302})),
    "privacy.download": (None, signed_in({200, 302})),
    "privacy.export_log": (only({"admin"}), None),
    "privacy.anonymise": (only({"coordinator", "admin"}, OK, variant_other=MISSING),
                          only({"coordinator", "admin"}, DONE, variant_other=MISSING)),
    "reports.index": (only({"coordinator", "admin"}), None),
    "reports.charts_page": (only({"coordinator", "admin"}), None),
    "reports.runs": (only({"coordinator", "admin"}), None),
    "reports.export_runs": (only({"coordinator", "admin"}), None),
    "reports.drilldown": (only({"coordinator", "admin"}, OK, variant_other=DENIED | MISSING), None),
    "reports.export_completion": (only({"coordinator", "admin"}), None),
    "reports.export_drilldown": (only({"coordinator", "admin"}, OK, variant_other=DENIED | MISSING), None),
    "reports.export_enrolments": (only({"coordinator", "admin"}), None),
    # No institution in the path: a coordinator's list is their own institution's, whatever it asks for
    # (tests/reports/test_certification.py shows nothing of another institution leaks).
    "reports.expiring": (only({"coordinator", "admin"}), None),
    "reports.export_expiring": (only({"coordinator", "admin"}), None),
    "enrolments.upload": (only({"coordinator", "admin"}), only({"coordinator", "admin"}, DONE | BAD)),
    "enrolments.confirm": (None, only({"coordinator", "admin"}, DONE | BAD)),
    # Completions recorded for training done elsewhere: admins, and coordinators for their institution's trainees
    # (another institution's is "not found"); the empty form or file is refused for its content.
    "recorded.record": (only({"coordinator", "admin"}, OK, variant_other=MISSING),
                        only({"coordinator", "admin"}, BAD, variant_other=MISSING)),
    "recorded.import_file": (only({"coordinator", "admin"}), only({"coordinator", "admin"}, BAD)),
    "recorded.confirm": (None, only({"coordinator", "admin"}, BAD)),
    "recorded.template": (only({"coordinator", "admin"}), None),
    # The evidence of a recorded completion: its trainee, their coordinator and admins; anyone else "not found".
    "recorded.evidence": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r == "admin" or (r in ("trainee", "coordinator") and v == "own") else MISSING), None),
    "api.tokens": (signed_in(), signed_in(DONE)),
    "api.revoke": (None, lambda r, v: LOGIN if r == "anonymous" else ({302} if r == "trainee" and v == "own"
                                                                      else MISSING)),
    # One's own calendar: every signed-in person. The feed opens by its secret address only (none here: 404 to
    # all); one event downloads only from its own person's calendar (the trainee is in the own run).
    "calendar.month": (signed_in(), None),
    "calendar.renew": (None, signed_in()),
    "calendar.stop": (None, signed_in({302})),
    "calendar.feed": (public(MISSING), None),
    "calendar.event_file": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r == "trainee" and v == "own" else MISSING), None),
    "api_v1.openapi": (public(), None),
    # Export jobs: one's own list (every signed-in person; empty for most); one export's page, status and download
    # only to the person who asked for it (the admin's and the coordinator's own here): anyone else, an admin
    # too, finds nothing there ("a download link of someone else's export is refused").
    "reports.export_jobs": (signed_in(), None),
    "reports.export_job": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r in ("admin", "coordinator") and v == "own" else MISSING), None),
    "reports.export_job_status": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r in ("admin", "coordinator") and v == "own" else MISSING), None),
    "reports.export_download": (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r in ("admin", "coordinator") and v == "own" else MISSING), None),
    "api_v1.courses": (api(), None),
    "api_v1.course_runs": (api(), None),
    "api_v1.completion": (api(), None),
    "api_v1.drilldown": (api(), None),
    "api_v1.trainee_enrolments": (api(), None),
    "api_v1.unknown": (public({401}), None),  # the API asks for a token before anything else
}
# Authoring of one course: its staff and admins; an instructor of another course gets 403.
# Language versions: the same (a course's assessors and trainers may not: tests/authoring/test_versions.py).
for _endpoint in ("course", "publish", "status", "add_module", "module", "move", "delete", "lesson", "quiz",
                  "question", "gift", "regrade", "staff", "download", "dashboard", "analysis", "availability_rules",
                  "versions", "version", "version_status", "delete_version", "version_course", "version_item",
                  "late_answers", "late_upload"):
    EXPECT[f"authoring.{_endpoint}"] = (
        lambda r, v: LOGIN if r == "anonymous" else (OK if r == "admin" or (r == "instructor" and v == "own")
                                                    else DENIED),
        lambda r, v: LOGIN if r == "anonymous" else (DONE | BAD if r == "admin" or (r == "instructor" and v == "own")
                                                    else DENIED))
# Answers received late after an outage: the same people decide; answers that do not exist are "not found" to them.
EXPECT["authoring.late_decide"] = (None, lambda r, v: LOGIN if r == "anonymous" else (
    MISSING if r == "admin" or (r == "instructor" and v == "own") else DENIED))
# A course's runs: the same people as its authoring.
for _endpoint in ("runs", "edit", "cancel"):
    EXPECT[f"runs.{_endpoint}"] = (
        None if _endpoint == "cancel" else EXPECT["authoring.course"][0], EXPECT["authoring.course"][1])
EXPECT["runs.trainees"] = EXPECT["runs.unplaced"] = (EXPECT["authoring.course"][0], None)
# Moving and extending an enrolment of the course named: its staff and admins. The trainees' enrolments are in
# "alpha", so under "beta" (the other course) the enrolment is not found by an admin, who may edit both.
for _endpoint in ("move", "extend"):
    EXPECT[f"runs.{_endpoint}"] = (None, lambda r, v: LOGIN if r == "anonymous" else (
        (DONE if v == "own" else MISSING) if r == "admin" else DONE if (r == "instructor" and v == "own") else DENIED))
# Training sessions: staff pages for the course's editors (as its authoring); the register and its sheet for its
# editors, trainers and every coordinator (who sees only their institution's trainees: tests/sessions); signing
# up and cancelling for anyone signed in (refusals come back as a message on the course page).
for _endpoint in ("run_sessions", "edit", "cancel", "cancel_for", "people", "trainers"):
    EXPECT[f"sessions.{_endpoint}"] = (
        None if _endpoint in ("cancel", "cancel_for") else EXPECT["authoring.course"][0],
        None if _endpoint == "people" else EXPECT["authoring.course"][1])
_REGISTER = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r in ("admin", "coordinator") or (r == "instructor" and v == "own") else DENIED))
EXPECT["sessions.register"] = (_REGISTER, lambda r, v: LOGIN if r == "anonymous" else (
    {302} if r in ("admin", "coordinator") or (r == "instructor" and v == "own") else DENIED))
EXPECT["sessions.sheet"] = (_REGISTER, None)
EXPECT["sessions.sign_up"] = (None, signed_in({302}))
EXPECT["sessions.cancel_sign_up"] = (None, signed_in({302}))
# Announcements: staff pages for the course's editors (as its authoring; a run's trainers for their runs:
# tests/announcements); a course's list for its enrolled trainees (the trainee is enrolled in "alpha" only) and
# those who announce there.
for _endpoint in ("staff_list", "edit", "withdraw"):
    EXPECT[f"announcements.{_endpoint}"] = (
        None if _endpoint == "withdraw" else EXPECT["authoring.course"][0], EXPECT["authoring.course"][1])
EXPECT["announcements.trainee_list"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r in ("trainee", "instructor") and v == "own") else DENIED), None)
# Assignments: the trainee's page for anyone who may see the course (the enrolled trainee; its editors preview it;
# anyone else is sent to the course page to enrol, a post too); handing in only by an enrolled trainee (the
# trainee's work is handed in already: 400, the message says so), never by editors (403). Files of submissions and marks: the
# trainee, the course's editors (and assessors), admins; another course's instructor and every coordinator 403.
EXPECT["assignments.assignment"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r in ("trainee", "instructor") and v == "own") else {302}),
    lambda r, v: LOGIN if r == "anonymous" else (BAD if r == "trainee" and v == "own" else DENIED if r == "admin" or (
        r == "instructor" and v == "own") else {302}))
for _endpoint in ("submission_file", "feedback_file"):
    EXPECT[f"assignments.{_endpoint}"] = (lambda r, v: LOGIN if r == "anonymous" else (
        OK if r == "admin" or (r in ("trainee", "instructor") and v == "own") else DENIED), None)
# The editor and the extensions: the course's editors, as its authoring.
EXPECT["assignments.edit"] = EXPECT["assignments.extensions"] = EXPECT["authoring.course"]
EXPECT["assignments.remove_extension"] = (None, EXPECT["runs.move"][1])
# Marking: the course's editors and admins (assessors: tests/assessing/test_access.py); another course's
# instructor, coordinators and trainees are refused. A work file: also its own trainee (never a coordinator).
_MARKERS = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r == "instructor" and v == "own") else DENIED))
EXPECT["assessing.mine"] = (lambda r, v: LOGIN if r == "anonymous" else (OK if r in ("admin", "instructor")
                                                                          else DENIED), None)
for _endpoint in ("queue", "assignment", "feedback_file"):
    EXPECT[f"assessing.{_endpoint}"] = (_MARKERS, None)
EXPECT["assessing.submission"] = (_MARKERS, lambda r, v: LOGIN if r == "anonymous" else (
    DONE if r == "admin" or (r == "instructor" and v == "own") else DENIED))
EXPECT["assessing.work_file"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r in ("instructor", "trainee") and v == "own") else DENIED), None)
EXPECT["assessing.release"] = (None, lambda r, v: LOGIN if r == "anonymous" else (
    {302} if r == "admin" or (r == "instructor" and v == "own") else DENIED))
EXPECT["assessing.assessor_runs"] = (_MARKERS, lambda r, v: LOGIN if r == "anonymous" else (
    {302} if r == "admin" or (r == "instructor" and v == "own") else DENIED))
# The gradebook: a course's editors, its assessors and runs' trainers (their runs: tests/gradebook) and every
# coordinator (their institution's rows only) read it and its exports; its editors set the grading and override
# results (the empty forms are shown again, or refused as 400); a trainee reads their own grades ("not found" to
# anyone not enrolled). The other variant's override names an enrolment of another course: not found to an admin.
_GRADEBOOK = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r in ("admin", "coordinator") or (r == "instructor" and v == "own") else DENIED))
EXPECT["gradebook.view"] = EXPECT["gradebook.export"] = (_GRADEBOOK, None)
EXPECT["gradebook.settings"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r == "instructor" and v == "own") else DENIED),) * 2
EXPECT["gradebook.override"] = tuple(lambda r, v, ok=ok: LOGIN if r == "anonymous" else (
    (ok if v == "own" else MISSING) if r == "admin" else ok if (r == "instructor" and v == "own") else DENIED)
    for ok in (OK, BAD))
EXPECT["gradebook.grades"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "trainee" and v == "own" else MISSING), None)
_GET_REDIRECTS = {"authoring.publish", "authoring.status", "authoring.add_module", "authoring.move"}


# Practical assessments: the trainee's page for whoever may see the course's items (others are sent to the course
# page to enrol); the assessors' pages for the course's editors and assessors (the instructor edits alpha only; an
# enrolment of another course is "not found"); the editor for the course's editors (an empty form is refused);
# evidence for the trainee, the course's editors and assessors of the run ("not found" to anyone else).
_EDITS = {"instructor", "admin"}
EXPECT["practicals.practical"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r == "admin" or (r in ("trainee", "instructor") and v == "own") else {302}), None)
EXPECT["practicals.evidence"] = (lambda r, v: LOGIN if r == "anonymous" else (
    OK if r in _EDITS or (r == "trainee" and v == "own") else MISSING), None)
_ASSESS = only(_EDITS, OK, variant_other=DENIED)
EXPECT["practicals.trainees"] = (_ASSESS, None)
EXPECT["practicals.checklists"] = (_ASSESS, None)
_ONE = (lambda ok: lambda r, v: LOGIN if r == "anonymous" else (
    (ok if v == "own" else MISSING) if r == "admin" else ok if (r == "instructor" and v == "own") else DENIED))
EXPECT["practicals.sign_off"] = (_ONE(OK), _ONE(BAD))
EXPECT["practicals.checklist"] = (_ONE(OK), None)
EXPECT["practicals.release"] = (None, only(_EDITS, {302}, variant_other=DENIED))
EXPECT["practicals.new_practical"] = (only(_EDITS, OK, variant_other=DENIED), only(_EDITS, BAD, variant_other=DENIED))
EXPECT["practicals.edit"] = (only(_EDITS, OK, variant_other=DENIED), only(_EDITS, BAD, variant_other=DENIED))
EXPECT["practicals.add_criterion"] = (None, only(_EDITS, BAD, variant_other=DENIED))
EXPECT["practicals.criterion"] = (None, only(_EDITS, BAD, variant_other=DENIED))


def _practicals(world, matrix_world, ids) -> dict:
    """The practical "field-check" in both courses; a signed record with an evidence file for each trainee in
    alpha (own: the trainee's; other: the other trainee's)."""
    from lms.extensions import db
    from lms.learning.models import Enrolment
    from tests.images import diagram
    from tests.practicals.records import field_check, signed_record

    criteria = {variant: field_check(matrix_world[slug], world["admin"]).criteria[0].id
                for variant, slug in (("own", "alpha"), ("other", "beta"))}
    evidence = {}
    for variant, key in (("own", "trainee"), ("other", "other_trainee")):
        enrolment = db.session.get(Enrolment, ids[key]["enrolment"])
        record = signed_record(matrix_world["alpha"], enrolment, world["admin"], "Matrix", diagram(10, 10))
        evidence[variant] = record.evidence[0].id
    return {"criteria": criteria, "evidence": evidence}


@pytest.fixture()
def matrix_world(db, world, tmp_path):
    """Two published courses (the instructor is on the staff of one), trainees of two institutions
    enrolled with attempts and certificates, an API token."""
    from lms.api.models import ApiToken
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import write_sample

    for slug in ("alpha", "beta"):
        spec, _ = read_package(write_sample(tmp_path, slug))
        import_course(spec, publish=True)
    alpha = db.session.scalar(select(Course).where(Course.slug == "alpha"))
    beta = db.session.scalar(select(Course).where(Course.slug == "beta"))
    _versions(alpha, beta)
    make_staff(alpha, world["instructor"])
    other_instructor = make_user("inst2@example.org", "Other Instructor", "instructor")
    make_staff(beta, other_instructor)
    from lms.core.security import new_token

    for key in ("trainee", "other_trainee"):
        _token, digest = new_token()
        api_token = ApiToken(user_id=world[key].id, name="matrix", token_hash=digest, prefix="matrix")
        db.session.add(api_token)
        db.session.commit()
        world[f"{key}_token_id"] = api_token.id
    return {"alpha": alpha, "beta": beta}


def _versions(*courses) -> None:
    """A Ukrainian version (a draft) of each course that has none: the language versions' pages open on it."""
    from lms.languages import queries as language_queries
    from lms.languages import services as language_services

    for course in courses:
        if language_queries.version(course.id, "uk") is None:
            language_services.add_version(course, "uk", "en", "Matrix translators", False, "", None)


def restore(db, world, ids) -> None:
    """Undo what an allowed form post may have done, so every request meets the same data."""
    from sqlalchemy import delete, update

    from lms.api.models import ApiToken
    from lms.assignments.models import Assignment, Submission
    from lms.auth.models import User
    from lms.catalog.models import Lesson, Module
    from lms.learning.models import Enrolment
    from lms.quizzes.models import Question, Quiz

    db.session.rollback()
    for model in (Module, Lesson, Quiz, Question, Assignment):
        db.session.execute(update(model).values(retired=False))
    db.session.execute(update(Course).values(status="published", enrolment_key_hash=None))
    prepared = [world["trainee"].id, world["other_trainee"].id]
    extra = select(Enrolment.id).where((Enrolment.user_id.not_in(prepared)) | (Enrolment.course_id != db.session.scalar(
        select(Course.id).where(Course.slug == "alpha"))), Enrolment.source != "recorded",
        Enrolment.id.not_in(select(Submission.enrolment_id)))  # the work handed in that the matrix downloads
    extra_ids = db.session.scalars(extra).all()
    if extra_ids:
        db.session.execute(delete(QuizAttempt).where(QuizAttempt.enrolment_id.in_(extra_ids)))
        db.session.execute(delete(Enrolment).where(Enrolment.id.in_(extra_ids)))
    db.session.execute(update(User).values(active=True))
    db.session.execute(update(ApiToken).values(revoked_at=None))
    db.session.execute(update(Certificate).values(revoked_at=None, revoked_reason=None, revoked_by_id=None))
    db.session.execute(update(CourseRun).values(cancelled_at=None))
    db.session.execute(update(TrainingSession).values(cancelled_at=None))
    db.session.execute(update(Announcement).values(withdrawn_at=None))
    db.session.commit()
    _versions(*db.session.scalars(select(Course).where(Course.slug.in_(("alpha", "beta")))))


def prepare(app, db, world, matrix_world):
    """Trainees' own data made through the pages: enrolment, an attempt, a completion and its certificate."""
    from tests.helpers import Auth

    ids = {}
    for key in ("trainee", "other_trainee"):
        client = app.test_client()
        auth = Auth(client)
        auth.login(world[key].email)
        for page in ("/privacy",):
            client.get(page)
        _acknowledge(client)
        auth.post("/courses/alpha/enrol", {}, form_page="/courses/alpha")
        client.get("/courses/alpha/lessons/intro")
        client.get("/courses/alpha/lessons/second")
        take_quiz(auth, db, "alpha", "check")
        take_quiz(auth, db, "alpha", "final")
        db.session.expire_all()
        ids[key] = {
            "attempt": db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == world[key].id)),
            "certificate": db.session.scalar(select(Certificate.code).where(Certificate.user_id == world[key].id)),
            "enrolment": db.session.scalar(select(Certificate.enrolment_id)
                                           .where(Certificate.user_id == world[key].id)),
        }
    return ids


def _recorded(world) -> dict[str, int]:
    """A completion of a third course recorded with an evidence file for each trainee: their enrolments' ids."""
    import io

    from tests.helpers import make_course

    from lms.recorded.evidence import read_evidence
    from lms.recorded.services import record_completion

    gamma = make_course("gamma", "Gamma")
    return {key: record_completion(world[key], gamma, date(2025, 11, 14), None, "Paper register",
                                   read_evidence(io.BytesIO(b"%PDF-1.4 register"), "register.pdf"), False,
                                   world["admin"]).id
            for key in ("trainee", "other_trainee")}


def _marking(matrix_world, world, ids) -> dict[str, dict[str, int]]:
    """An assignment in each course with handed-in work (the trainee's in alpha, the other trainee's in beta),
    a file, a mark with a feedback file, and an assessor of each course."""
    from lms.assignments.models import Mark
    from lms.core.storage import current_storage
    from lms.extensions import db
    from lms.learning.models import Enrolment
    from lms.learning.services import current_enrolment
    from tests.assessing.factory import PDF, enrol, make_assessor, make_assignment, submit

    made = {}
    for variant, slug, person in (("own", "alpha", "trainee"), ("other", "beta", "other_trainee")):
        course = matrix_world[slug]
        assignment = make_assignment(course, max_score=10)
        enrolment = (db.session.get(Enrolment, ids["trainee"]["enrolment"]) if variant == "own"
                     else current_enrolment(world[person].id, course.id) or enrol(world[person], course))
        work = submit(assignment, enrolment, files=[("work.pdf", PDF)])
        key = f"assignment-feedback/{course.id}/matrix.pdf"
        current_storage().put(key, PDF)
        mark = Mark(submission_id=work.id, outcome="marked", score=5, percent=50, passed=True, feedback_key=key,
                    feedback_name="notes.pdf", feedback_mime="application/pdf", feedback_size=len(PDF))
        db.session.add(mark)
        db.session.commit()
        assessor = make_assessor(course, f"assessor-{slug}@example.org", f"Assessor {slug}")
        made[variant] = {"assignment_id": assignment.id, "submission_id": work.id, "file_id": work.files[0].id,
                         "mark_id": mark.id, "user_id": assessor.id}
    return made


def _export_job(person) -> int:
    """A finished export job of `person`, its file in the storage (downloadable for a day)."""
    from datetime import timedelta

    from lms.core import clock
    from lms.core.storage import current_storage
    from lms.extensions import db
    from lms.reports.models import ExportJob

    key = f"exports/{person.id}-matrix.csv"
    current_storage().put(key, b"institution_code\r\n")
    job = ExportJob(user_id=person.id, kind="enrolments", fmt="csv", filters={}, params={}, zone="UTC", status="done",
                    rows_done=0, rows_total=0, file_key=key, file_name="enrolments-0-rows.csv", created_at=clock.now(),
                    finished_at=clock.now(), expires_at=clock.now() + timedelta(days=1))
    db.session.add(job)
    db.session.commit()
    return job.id


def _assignments(db, world, matrix_world) -> dict[str, dict[str, int]]:
    """An assignment "plan" in both courses; the trainee's work in alpha and the other trainee's in beta, each
    handed in with a file and marked (released) with a feedback file: the ids of the files and marks."""
    import io

    from lms.assignments import services as assignment_services
    from lms.assignments.models import Assignment, Mark
    from lms.catalog.models import Module
    from lms.core import clock
    from lms.core.storage import current_storage
    from lms.learning.services import enrol

    found: dict[str, dict[str, int]] = {"files": {}, "marks": {}}
    for variant, slug, key in (("own", "alpha", "trainee"), ("other", "beta", "other_trainee")):
        course = matrix_world[slug]
        module = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug == "basics"))
        assignment = Assignment(course_id=course.id, module_id=module.id, slug="plan", position=9, title="Plan",
                                file_kinds="pdf")
        db.session.add(assignment)
        db.session.commit()
        enrolment, _created = enrol(world[key], course, source="admin")
        db.session.commit()
        submission = assignment_services.submit_work(assignment, enrolment, "My plan",
                                                     [(io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")])
        current_storage().put(f"feedback/{variant}.pdf", b"%PDF-1.4 feedback")
        mark = Mark(submission_id=submission.id, outcome="marked", passed=True, released_at=clock.now(),
                    feedback_key=f"feedback/{variant}.pdf", feedback_name="feedback.pdf",
                    feedback_mime="application/pdf", feedback_size=17)
        db.session.add(mark)
        db.session.commit()
        found["files"][variant], found["marks"][variant] = submission.files[0].id, mark.id
    return found


def _acknowledge(client):
    page = client.get("/privacy").get_data(as_text=True)
    match = re.search(r'action="/privacy/acknowledge".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S)
    if match:
        client.post("/privacy/acknowledge", data={"csrf_token": match.group(1)})


def params(rule, role, variant, world, ids):
    """Values for a route's arguments: the role's own objects, or another institution's or course's."""
    own = variant == "own"
    trainee_key = "trainee" if own or role not in ("trainee",) else "other_trainee"
    if role == "trainee":
        trainee_key = "trainee" if own else "other_trainee"
    user = world["trainee"] if own else world["other_trainee"]
    institution = world["ua"] if own else world["ge"]
    course = "alpha" if own else "beta"
    values = {
        "slug": course, "lesson": "intro", "quiz": "check", "question": "q-single", "module": "basics",
        "kind": "lessons", "item": "intro", "path": "basics/pixel.png", "fmt": "csv",
        "user_id": str(user.id), "institution_id": str(institution.id), "token": "not-a-real-token",
        "attempt_id": str(ids[trainee_key]["attempt"]), "anything": "nothing-here",
        "token_id": str(world["trainee_token_id" if own else "other_trainee_token_id"]), "filename": "css/site.css",
        "enrolment_id": str(ids["trainee" if own else "other_trainee"]["enrolment"]),
        "session_id": "999999" if own else "999998", "factor_id": "999999" if own else "999998", "job_id": "999999",
        "notification_id": "999999", "message_id": "999999",
        "run_id": str(ids["runs"]["own" if own else "other"]),
        "event_kind": "run", "event_id": str(ids["runs"]["own" if own else "other"]),
        "assignment": "plan", "file_id": str(ids["assignments"]["files"]["own" if own else "other"]),
        "mark_id": str(ids["assignments"]["marks"]["own" if own else "other"]), "cell": "total-0",
        "language": "uk", "item_id": "999999",
    }
    if rule.endpoint.startswith("sessions."):
        values["session_id"] = str(ids["sessions"]["own" if own else "other"])
    if rule.endpoint.startswith("announcements."):
        values["announcement_id"] = str(ids["announcements"]["own" if own else "other"])
    if rule.endpoint.startswith("assessing."):
        values.update({name: str(value) for name, value in ids["marking"]["own" if own else "other"].items()})
    if rule.endpoint.startswith("learning.") or rule.endpoint.startswith("quizzes.") or rule.endpoint == "catalog.asset":
        values["slug"] = "alpha" if own or role != "instructor" else "beta"
        if role == "trainee" and not own:
            values["slug"] = "beta"  # a course the trainee is not enrolled in
    if rule.endpoint.startswith("reports.") or rule.endpoint == "api_v1.drilldown":
        values["code"] = institution.code
        values["slug"] = "alpha"
    else:
        values["code"] = ids["trainee" if own else "other_trainee"]["certificate"]
    if rule.endpoint.startswith("learning.") and rule.endpoint in ("learning.certificate_pdf",):
        holder = "trainee" if own else "other_trainee"
        values["code"] = ids[holder]["certificate"]
    if rule.endpoint in ("reports.export_job", "reports.export_job_status", "reports.export_download"):
        mine = role if role in ("admin", "coordinator") else "admin"
        theirs = "coordinator" if role == "admin" else "admin"
        values["job_id"] = str(ids["exports"][mine if own else theirs])
    if rule.endpoint == "recorded.evidence":
        values["enrolment_id"] = str(ids["recorded"]["trainee" if own else "other_trainee"])
    if rule.endpoint.startswith("practicals."):
        values["practical"] = "field-check"
        values["criterion_id"] = str(ids["practicals"]["criteria"]["own" if own else "other"])
        values["evidence_id"] = str(ids["practicals"]["evidence"]["own" if own else "other"])
        values["enrolment_id"] = str(ids["trainee"]["enrolment"])
    if rule.endpoint in ("learning.verify", "learning.revoke"):
        values["code"] = ids["trainee"]["certificate"]
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
    return path


def test_every_route_for_every_role(app, db, world, matrix_world):
    ids = prepare(app, db, world, matrix_world)
    ids["runs"] = {variant: create_run(matrix_world[slug], RunFields(
        code="r1", title="Run", starts_on=date(2027, 1, 1), ends_on=date(2027, 2, 1), capacity=5), world["admin"]).id
        for variant, slug in (("own", "alpha"), ("other", "beta"))}
    ids["recorded"] = _recorded(world)
    ids["assignments"] = _assignments(db, world, matrix_world)
    # The trainee's enrolment in alpha is in its run: an event of the trainee's calendar (not of anyone else's).
    from lms.learning.models import Enrolment

    enrolment = db.session.get(Enrolment, ids["trainee"]["enrolment"])
    enrolment.run_id = ids["runs"]["own"]
    db.session.commit()
    ids["sessions"] = {variant: create_session(matrix_world[slug], run_by_id(ids["runs"][variant]), SessionFields(
        kind="in_person", title="Drill", starts_local=datetime(2026, 1, 5, 9), ends_local=datetime(2026, 1, 5, 11),
        zone="Europe/Kyiv"), world["admin"]).id for variant, slug in (("own", "alpha"), ("other", "beta"))}
    ids["exports"] = {role: _export_job(world[role]) for role in ("admin", "coordinator")}
    ids["announcements"] = {variant: post_announcement(matrix_world[slug], run_by_id(ids["runs"][variant]), "Notice",
                                                       "Text", False, world["admin"]).id
                            for variant, slug in (("own", "alpha"), ("other", "beta"))}
    ids["marking"] = _marking(matrix_world, world, ids)
    ids["practicals"] = _practicals(world, matrix_world, ids)
    rules = [r for r in app.url_map.iter_rules()]
    missing = sorted({r.endpoint for r in rules} - set(EXPECT))
    assert not missing, f"routes without an access expectation: {missing}"
    from tests.helpers import Auth

    failures, checked = [], 0
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            key = role if role != "coordinator" else "coordinator"
            Auth(client).login(world[key].email, PASSWORD)
            _acknowledge(client)
        token = None
        for method in ("GET", "POST"):
            for rule in sorted(rules, key=lambda r: r.rule):
                if method not in rule.methods or rule.endpoint in ("auth.logout", "main.language"):
                    continue
                get_rule, post_rule = EXPECT[rule.endpoint]
                expectation = get_rule if method == "GET" else post_rule
                if expectation is None:
                    continue
                variants = ("own", "other") if rule.arguments - {"filename", "fmt", "token", "anything"} else ("own",)
                for variant in variants:
                    url = params(rule, role, variant, world, ids)
                    if method == "POST":
                        if token is None or role == "anonymous":
                            page = client.get("/login" if role == "anonymous" else "/profile")
                            found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
                            token = found.group(1) if found else ""
                        response = client.post(url, data={"csrf_token": token})
                    else:
                        response = client.get(url)
                    checked += 1
                    if method == "POST" and response.status_code < 400:
                        restore(db, world, ids)
                    expected = expectation(role, variant)
                    if response.status_code not in expected:
                        failures.append(f"{role:<11} {variant:<5} {method} {url} -> {response.status_code}, "
                                        f"expected {sorted(expected)}")
                    if role != "anonymous" and response.status_code == 302 and "/login" in response.headers.get(
                            "Location", "") and rule.endpoint not in ("auth.login",):
                        # the session was lost (e.g. an account deactivated by an allowed post): sign in again
                        Auth(client).login(world[role].email, PASSWORD)
                        _acknowledge(client)
                        token = None
    print(f"access matrix: {checked} requests over {len(rules)} routes x {len(ROLES)} roles")
    assert not failures, "\n".join(failures[:40])


def test_metrics_are_hidden_from_every_role_elsewhere(app, db, world):
    """/metrics from an address outside LMS_METRICS_ALLOW: "not found" to every role, the admin too, as an
    address where nothing is; a sign-in opens nothing."""
    from tests.helpers import Auth

    for role in ROLES:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "198.51.100.20"  # every request of this browser, sign-in included
        if role != "anonymous":
            Auth(client).login(world[role].email, PASSWORD)
            assert client.get("/profile").status_code == 200  # signed in, from there
        response = client.get("/metrics")
        assert (response.status_code, client.get("/metrics-of-nothing").status_code) == (404, 404), role
        assert "lms_http_requests_total" not in response.get_data(as_text=True)
