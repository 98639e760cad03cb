"""The events one feature announces and others react to, without importing one another upward.

A feature that must tell another what happened sends a signal (blinker, as indico's
`indico/core/signals/`); the feature that cares connects a receiver when the application is built
(`create_app` calls each feature's `connect_signals`). Signals are sent inside the sender's unit of
work, before its commit: what the receivers write is committed, or rolled back, with it. Each
signal's sender is the name of the feature that sends it.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

activity = _signals.signal("activity", doc="""A trainee worked on a course: saved answers (a quiz attempt's start and
submission carry their moment in `attempt_started` and `attempt_closed` instead). Keyword arguments: `enrolment_id`,
`when` (aware UTC). Learning notes it on the enrolment as its first and last activity.""")

quiz_passed = _signals.signal("quiz-passed", doc="""A quiz attempt was graded as passed (submitted, or closed at its
deadline). Keyword arguments: `enrolment_id`, `quiz_id`. Learning decides whether the enrolment
is now complete.""")

zone_changed = _signals.signal("zone-changed", doc="""The time zone people read times in changed: a person's own
choice (keyword `user_ids`, a list) or an institution's (keyword `institution_id`). Learning moves the end of
their open enrolments' due dates (`due_at`) to midnight at the end of each due date in the new zone.""")

place_freed = _signals.signal("place-freed", doc="""An enrolment stopped holding a place: it was withdrawn (or moved
out of its course run). Keyword arguments: `enrolment` (as it is now, flushed), `actor`. Course runs promote the
first on the run's waiting list, in the same transaction.""")

enrolled = _signals.signal("enrolled", doc="""New enrolments were made: one (a person enrolled themselves or was
enrolled by staff, into a course or a run, holding a place or on its waiting list) or many at once (a bulk
enrolment). Keyword argument: `enrolment_ids` (a list, flushed). Messages confirms each enrolment to its trainee,
in the same transaction (one bulk write for many).""")

run_cancelled = _signals.signal("run-cancelled", doc="""A course run was cancelled. Keyword arguments: `run` (flushed),
`actor`. Messages tells the run's trainees, in the same transaction.""")

run_dates_changed = _signals.signal("run-dates-changed", doc="""A course run's dates moved. Keyword arguments: `run`
(as it is now, flushed), `was` (the (starts_on, ends_on) it had), `actor`. Messages tells the run's trainees, in
the same transaction.""")

enrolment_moved = _signals.signal("enrolment-moved", doc="""A trainee was moved from one run of a course into
another (or into a run from none). Keyword arguments: `enrolment` (as it is now, flushed: its new run, a place or
the waiting list), `old_run_id` (or None), `actor`. Messages tells the trainee, in the same transaction.""")

session_cancelled = _signals.signal("session-cancelled", doc="""A training session was cancelled. Keyword arguments:
`session` (flushed), `actor`. Messages tells those signed up for it (a place or its waiting list), in the same
transaction.""")

run_promoted = _signals.signal("run-promoted", doc="""Places of a course run went to the first on its waiting list.
Keyword arguments: `run` (locked, flushed), `promoted` (a list of (enrolment id, the moment it had waited since):
the pair names the wait, so one wait is told once), `actor`. Messages tells each promoted trainee, in the same
transaction.""")

session_promoted = _signals.signal("session-promoted", doc="""Places of a training session went to the first on its
waiting list. Keyword arguments: `session` (locked, flushed), `promoted` (a list of (sign-up id, the moment it had
waited since)), `actor`. Messages tells each promoted person, with the session's .ics, in the same transaction.""")

session_rescheduled = _signals.signal("session-rescheduled", doc="""A training session's times moved (its
`rescheduled_at` was set). Keyword arguments: `session` (as it is now, flushed), `was` (the (starts_at, ends_at) it
had), `actor`. Messages tells those signed up for it (a place or its waiting list) the new time, with an updated
.ics, in the same transaction.""")

enrolments_restored = _signals.signal("enrolments-restored", doc="""Withdrawn enrolments were restored: by hand (a
course, or into a run: a place or its waiting list), by enrolling the person again, or by a bulk enrolment.
Keyword arguments: `restored` (a list of (enrolment id, the moment it had been withdrawn): the pair names the
withdrawal, so one restoration is told once), flushed. Messages tells each trainee they are back, in the same
transaction.""")

late_answers_decided = _signals.signal("late-answers-decided", doc="""Answers of a quiz attempt received late after an
outage were accepted (by the quiz's staff, or by the quiz's setting) or rejected. Keyword arguments: `item` (the
LateAnswers, decided, flushed), `attempt` (regraded when accepted). Messages tells the trainee, in the same
transaction.""")

attempt_started = _signals.signal("attempt-started", doc="""A quiz attempt was started (added to the session, not yet
flushed). Keyword arguments: `enrolment_id`, `quiz_id`, `when`. Learning counts it in the enrolment's kept figures and
notes the trainee's activity at `when` (no `activity` is sent for it), in the same transaction: one more attempt, and
nothing else (an attempt in progress has no score and closes nothing).""")

attempt_closed = _signals.signal("attempt-closed", doc="""A quiz attempt in progress was closed and graded (submitted, or
closed at its deadline), in the session's transaction. Keyword arguments: `enrolment_id`, `quiz_id`, `percent` (None
when nothing could be graded), `passed`, `active_at` (a submission's moment, the trainee's activity, for which no
`activity` is sent; None for an attempt closed at its deadline). Learning counts it in the enrolment's kept figures,
in the same transaction: the quiz's best percent and pass, and nothing else (the attempt was counted when it
started).""")

work_changed = _signals.signal("work-changed", doc="""Rows that an enrolment's kept figures count were written by a
feature below learning: an attempt graded again (quizzes), marks superseded (assignments).
Keyword argument: `enrolment_ids` (a list; the rows need not be flushed yet). Learning counts their figures again
(lms.learning.figures), in the same transaction.""")
