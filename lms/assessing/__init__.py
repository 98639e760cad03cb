"""Marking assessed work: the assessors of a course and the runs given to them, the marking queues, the marking
of a submission (a score or a rubric's levels, feedback, a feedback file, or a return for resubmission), marks
held back and released together, and the trainee told when their work is marked or returned.

It sits above assignments, learning, runs and mail: a mark that counts completes the course through
`lms.learning.services.check_completion` in the same transaction.
"""
