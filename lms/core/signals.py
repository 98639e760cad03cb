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

activity = _signals.signal("activity", doc="""A trainee worked on a course: started a quiz attempt, saved answers,
submitted an attempt. Keyword arguments: `enrolment_id`, `when` (aware UTC). Learning notes it on
the enrolment as its first and last activity.""")

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
