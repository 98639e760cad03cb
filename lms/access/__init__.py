"""Who may do what: every access decision of the platform, as rules of (user, object).

The floor between the features and the web: it imports the models (and the named reads) it checks;
views, forms, templates, the API and the command line ask it. Views use `require(rule, *objects)`
or `@requires(rule)`, templates the Jinja tests in `JINJA_TESTS` (`{% if current_user is
can_manage_users %}`), queries take the SQL conditions (`visible_users(user)`, `report_scope(user)`,
...) as their `scope`. The rules live in one module per area; this module names them all.
"""
from lms.access.announcements import (
    announcement_of_course_or_404, announcing_course_or_404, can_announce, can_announce_to, can_manage_announcement,
    can_read_announcements, reading_course_or_404, reading_scope, staff_scope,
)
from lms.access.assignments import assignment_of_course_or_404, can_read_mark, can_read_submission
from lms.access.assessment import (
    assess_scope, assessed_runs, assesses, can_assess, can_assess_run, can_manage_assessed_work, can_read_work,
)
from lms.access.marking import (
    assessing_course_or_404, can_assess_anything, feedback_mark_or_404, marked_assignment_or_404,
    managing_course_or_404, marking_submission_or_404, work_course_or_404, work_file_or_404,
)
from lms.access.calendar import can_use_calendar, feed_or_404, own_event_or_404
from lms.access.courses import (
    can_create_course, can_edit_course, can_manage_runs, can_manage_staff, can_set_enrolment_key, can_view_course,
    course_or_404, editable_course_or_404, editable_courses, run_of_course_or_404, staff_role,
)
from lms.access.gradebook import can_manage_gradebook, can_view_gradebook, can_view_gradebook_run, gradebook_scope
from lms.access.jobs import can_manage_jobs
from lms.access.learning import (
    can_enrol_others, can_keep_course, can_restore_enrolment, can_revoke_certificate, can_view_certificate,
    can_view_feedback, can_view_record, can_withdraw_enrolment, feedback_scope, owns_enrolment,
)
from lms.access.mail import can_use_notifications, can_view_outbox, outbox_message_or_404
from lms.access.people import (
    assignable_roles, can_anonymise_user, can_assign, can_change_account, can_download_own_data, can_end_sessions, can_reset_mfa,
    can_identify_accounts, can_manage_institutions, can_manage_user, can_manage_users, can_use_api_tokens, can_view_audit_log,
    can_view_export_log, can_view_institution, visible_institutions, visible_users,
)
from lms.access.practicals import (
    assessed_enrolment_or_404, can_assess_enrolment, can_read_evidence, evidence_or_404, practical_for_assessing_or_404,
    practical_for_editing_or_404, practical_for_reading_or_404,
)
from lms.access.quizzes import can_judge_late_answers, judging_course_or_404
from lms.access.recorded import (
    can_issue_recorded_certificate, can_record_completion, can_record_completions, can_view_evidence,
)
from lms.access.reports import (
    can_bulk_enrol, can_bulk_enrol_into, can_view_enrolments_of, can_view_institution_reports, can_view_reports,
    own_export_or_404, report_scope,
)
from lms.access.sessions import (
    can_manage_sessions, can_mark_attendance, can_sign_up, register_scope, session_of_course_or_404, session_or_404,
)
from lms.access.rules import ADMIN, COORDINATOR, INSTRUCTOR, TRAINEE, Rule, is_admin, require, requires, rule, signed_in

# The rules templates may test (`{% if current_user is <name> %}`, or `is <name>(object)`).
JINJA_TESTS = {
    "admin": is_admin,
    "can_manage_users": can_manage_users,
    "can_manage_user": can_manage_user,
    "can_manage_institutions": can_manage_institutions,
    "can_edit_course": can_edit_course,
    "can_judge_late_answers": can_judge_late_answers,
    "can_keep_course": can_keep_course,
    "can_view_feedback": can_view_feedback,
    "can_create_course": can_create_course,
    "can_manage_staff": can_manage_staff,
    "can_manage_runs": can_manage_runs,
    "can_manage_sessions": can_manage_sessions,
    "can_mark_attendance": can_mark_attendance,
    "can_view_audit_log": can_view_audit_log,
    "can_manage_jobs": can_manage_jobs,
    "can_view_reports": can_view_reports,
    "can_bulk_enrol": can_bulk_enrol,
    "can_enrol_others": can_enrol_others,
    "can_anonymise_user": can_anonymise_user,
    "can_change_account": can_change_account,
    "can_end_sessions": can_end_sessions,
    "can_reset_mfa": can_reset_mfa,
    "can_view_export_log": can_view_export_log,
    "can_withdraw_enrolment": can_withdraw_enrolment,
    "can_restore_enrolment": can_restore_enrolment,
    "can_record_completions": can_record_completions,
    "can_record_completion": can_record_completion,
    "can_issue_recorded_certificate": can_issue_recorded_certificate,
    "can_view_evidence": can_view_evidence,
    "can_use_calendar": can_use_calendar,
    "can_announce": can_announce,
    "can_announce_to": can_announce_to,
    "can_manage_announcement": can_manage_announcement,
    "can_read_announcements": can_read_announcements,
    "can_use_notifications": can_use_notifications,
    "can_view_outbox": can_view_outbox,
    "can_assess": can_assess,
    "can_manage_assessed_work": can_manage_assessed_work,
    "can_assess_anything": can_assess_anything,
    "can_view_gradebook": can_view_gradebook,
    "can_manage_gradebook": can_manage_gradebook,
    "can_assess_enrolment": can_assess_enrolment,
    "can_read_evidence": can_read_evidence,
}

__all__ = [
    "assessed_enrolment_or_404", "can_assess_enrolment", "can_read_evidence", "evidence_or_404",
    "practical_for_assessing_or_404", "practical_for_editing_or_404", "practical_for_reading_or_404",
    "ADMIN", "COORDINATOR", "INSTRUCTOR", "JINJA_TESTS", "TRAINEE", "Rule", "can_keep_course",
    "announcement_of_course_or_404",
    "announcing_course_or_404", "assess_scope", "assessed_runs", "assesses", "can_assess", "can_assess_run",
    "can_manage_assessed_work", "can_read_work", "assignment_of_course_or_404", "can_read_mark", "can_read_submission",
    "assignable_roles", "can_announce", "can_announce_to", "can_manage_announcement",
    "assessing_course_or_404", "can_assess_anything", "feedback_mark_or_404", "managing_course_or_404", "marked_assignment_or_404",
    "marking_submission_or_404",
    "work_course_or_404", "work_file_or_404",
    "can_read_announcements", "reading_course_or_404", "reading_scope", "staff_scope",
    "can_anonymise_user", "can_assign", "can_bulk_enrol", "can_bulk_enrol_into", "can_change_account",
    "can_create_course", "can_download_own_data", "can_edit_course", "can_end_sessions", "can_enrol_others", "can_reset_mfa", "can_identify_accounts",
    "can_issue_recorded_certificate", "can_manage_institutions", "can_manage_runs", "can_manage_sessions",
    "can_manage_staff", "can_manage_user", "can_manage_users", "can_mark_attendance", "can_record_completion",
    "can_record_completions", "can_restore_enrolment", "can_revoke_certificate", "can_set_enrolment_key",
    "can_sign_up", "can_use_api_tokens", "can_use_calendar", "can_use_notifications", "can_view_outbox", "can_view_audit_log", "can_view_certificate",
    "can_view_course", "can_view_enrolments_of", "can_view_evidence", "can_view_export_log", "can_view_feedback",
    "can_view_institution", "can_view_institution_reports", "can_view_record", "can_view_reports",
    "can_withdraw_enrolment", "course_or_404", "editable_course_or_404", "editable_courses", "feed_or_404",
    "feedback_scope", "is_admin", "outbox_message_or_404", "own_event_or_404", "own_export_or_404", "owns_enrolment", "register_scope", "report_scope", "require",
    "requires", "rule", "run_of_course_or_404", "session_of_course_or_404", "session_or_404", "signed_in",
    "staff_role", "visible_institutions", "can_manage_gradebook", "can_view_gradebook", "can_view_gradebook_run",
    "gradebook_scope", "can_judge_late_answers", "judging_course_or_404",
    "visible_users",
]
