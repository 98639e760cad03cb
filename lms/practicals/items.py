"""Practical assessments as items of a course's modules, beside lessons and quizzes (see `lms.catalog.items`)."""
from __future__ import annotations

from lms.catalog.items import ItemKind
from lms.practicals.models import Practical

PRACTICAL = ItemKind("practical", Practical, "practicals.practical", "practical", rank=3)
