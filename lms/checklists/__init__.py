"""Practical assessments at work: their editor, the assessors' sign-off of each trainee's checklist (records,
results, evidence), hold and release, the printable checklist, and the trainee's page. The models and the
item kind stay below learning in `lms.practicals` (completion counts practicals passed); this package sits
above learning and runs, so that a sign-off can complete the course in its own transaction."""
