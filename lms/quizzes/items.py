"""Quizzes as items of a course's modules, beside lessons (see `lms.catalog.items`)."""
from __future__ import annotations

from lms.catalog.items import ItemKind
from lms.quizzes.models import Quiz

QUIZ = ItemKind("quiz", Quiz, "quizzes.quiz", "quiz", rank=1, is_final=Quiz.is_final)
