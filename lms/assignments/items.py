"""Assignments as items of a course's modules, beside lessons and quizzes (see `lms.catalog.items`)."""
from __future__ import annotations

from lms.assignments.models import Assignment
from lms.catalog.items import ItemKind

ASSIGNMENT = ItemKind("assignment", Assignment, "assignments.assignment", "assignment", rank=2)
