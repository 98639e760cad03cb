"""A small, valid course package written into a folder, for tests to break in one place at a time."""
from __future__ import annotations

import base64
from pathlib import Path

# A 1x1 transparent PNG.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

COURSE = """\
slug: sample
title: Sample course
summary: A course for tests.
language: en
topics: [testing, strategy]
version: 1
estimated_hours: 1.5
outcomes:
  - Explain the sample.
self_enrolment: true
certificate_validity_months: 24
completion:
  lessons: all
  quizzes: all
"""

LESSON = """\
---
title: Introduction
minutes: 5
---
## Why
Read this, look at ![a pixel](pixel.png) and continue.

| a | b |
|---|---|
| 1 | 2 |
"""

LESSON2 = """\
---
title: Second lesson
minutes: 7
---
More text.
"""

QUIZ = """\
title: Check
pass_mark: 60
attempts: 2
time_limit: 10
shuffle_questions: false
shuffle_choices: true
layout: single
review: after_pass
questions:
  - slug: q-single
    kind: single_choice
    points: 1
    text: Which one?
    choices:
      - text: This one
        correct: true
      - text: That one
    explanation: Because.
  - slug: q-multi
    kind: multiple_choice
    points: 2
    text: Which ones?
    choices:
      - text: A
        correct: true
      - text: B
        correct: true
      - text: C
    explanation: A and B.
  - slug: q-tf
    kind: true_false
    text: True?
    answer: true
    explanation: Yes.
  - slug: q-short
    kind: short_text
    text: Name it.
    accepted: [inter-agency, interagency]
    explanation: Inter-agency.
  - slug: q-num
    kind: numeric
    text: How many?
    answer: 60
    tolerance: 0.5
    explanation: Sixty.
"""

FINAL = """\
title: Final assessment
final: true
pass_mark: 70
attempts: 3
draw: 2
questions:
  - slug: f-1
    kind: true_false
    text: Final one?
    answer: false
    explanation: No.
  - slug: f-2
    kind: true_false
    text: Final two?
    answer: true
    explanation: Yes.
  - slug: f-3
    kind: numeric
    text: Final three?
    answer: 3
    explanation: Three.
"""


def write_sample(root: Path, slug: str = "sample") -> Path:
    """Write the sample package to root/slug and return its folder."""
    folder = root / slug
    basics = folder / "01-basics"
    final = folder / "02-final"
    basics.mkdir(parents=True)
    final.mkdir()
    (folder / "course.yaml").write_text(COURSE.replace("slug: sample", f"slug: {slug}"))
    (basics / "module.yaml").write_text("title: Basics\n")
    (basics / "01-intro.md").write_text(LESSON)
    (basics / "pixel.png").write_bytes(PIXEL)
    (basics / "02-second.md").write_text(LESSON2)
    (basics / "03-check.quiz.yaml").write_text(QUIZ)
    (final / "module.yaml").write_text("title: Final assessment\n")
    (final / "01-final.quiz.yaml").write_text(FINAL)
    return folder


# Availability rules for the sample (lms.availability): the second lesson opens after the introduction is
# read and from a date; the final after the check is passed with 80 % and a week into the run, and after
# the course "basics" is completed.
SECOND_AVAILABLE = """\
available:
  after:
    - lesson: intro
  from: 2027-03-03
"""
FINAL_AVAILABLE = """\
available:
  after:
    - quiz: check
      score: 80
    - course: basics
  days_after_start: 7
"""


def write_sample_with_rules(root: Path, slug: str = "sample") -> Path:
    """The sample package with availability rules on its second lesson and its final assessment."""
    folder = write_sample(root, slug)
    (folder / "01-basics" / "02-second.md").write_text(LESSON2.replace("minutes: 7\n", "minutes: 7\n" + SECOND_AVAILABLE))
    (folder / "02-final" / "01-final.quiz.yaml").write_text(FINAL.replace("draw: 2\n", "draw: 2\n" + FINAL_AVAILABLE))
    return folder


# A Ukrainian version of the sample (lms.packages.versions): the same files with the texts translated.
TRANSLATIONS = {
    "title: Sample course": "title: Зразковий курс",
    "summary: A course for tests.": "summary: Курс для тестів.",
    "topics: [testing, strategy]": "topics: [тестування, стратегія]",
    "  - Explain the sample.": "  - Пояснити зразок.",
    "title: Introduction": "title: Вступ",
    "## Why\nRead this, look at ![a pixel](pixel.png) and continue.":
        "## Чому\nПрочитайте це, погляньте на ![піксель](pixel.png) і продовжуйте.",
    "title: Second lesson": "title: Другий урок",
    "More text.": "Більше тексту.",
    "title: Check": "title: Перевірка",
    "text: Which one?": "text: Котрий?",
    "text: This one": "text: Цей",
    "text: That one": "text: Той",
    "explanation: Because.": "explanation: Тому що.",
    "text: Name it.": "text: Назвіть це.",
    "accepted: [inter-agency, interagency]": "accepted: [міжвідомча, міжвідомча співпраця]",
    "title: Final assessment": "title: Підсумкове оцінювання",
    "title: Basics": "title: Основи",
}
VERSION_TRANSLATION = """\
translation:
  from: en
  by: Academy translators
  reviewed: false
  note: Translated from English; not yet reviewed by a native-speaking trainer.
"""


def ukrainian(text: str) -> str:
    for english, translated in TRANSLATIONS.items():
        text = text.replace(english, translated)
    return text


def write_version(folder: Path, language: str = "uk") -> Path:
    """Add a version in `language` to the sample package at `folder`: every file of the original (but the
    images), its texts translated, and who translated it; returns the version's folder."""
    version = folder / language
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] == language or not path.is_file() or path.suffix == ".png" or \
                (len(relative.parts) > 1 and not relative.parts[0][0].isdigit()):
            continue
        target = version / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ukrainian(path.read_text(encoding="utf-8")), encoding="utf-8")
    course = version / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("language: en", f"language: {language}")
                      + VERSION_TRANSLATION, encoding="utf-8")
    return version
