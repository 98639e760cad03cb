"""What the platform sends on dates and on events: reminders (due dates, sessions tomorrow, runs starting,
certificates expiring, the coordinators' weekly digest) found by periodic scans in SQL, and the messages of
events (an enrolment, a run cancelled or moved, a trainee moved to another run, a place from a run's or a
session's waiting list, a session cancelled or moved, a withdrawn enrolment restored) written
in the unit of work of the event. Everything goes out through lms.mail (`send_many`), with an idempotency key
per message, so a scan run again or a retried job sends nothing twice."""
