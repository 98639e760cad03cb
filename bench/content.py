"""Generated course content: titles, Markdown lessons, quizzes with questions and choices.

Course number `n` is the same whatever the size and the seed of the rest of the data (its random
numbers come from its own generator), so a small and a large data set share their first courses.
Each question carries a right and a wrong response, graded once here by the platform's own
grader (`lms.quizzes.grading.score_question`), so generated attempts score exactly as real ones.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal

from bench import sizes
from bench.loader import json_text
from lms.quizzes import grading

TOPICS = [
    ("risk-analysis", "Risk analysis at the border", "risk analysis"),
    ("document-security", "Document security and forgery detection", "documents"),
    ("integrity", "Integrity and anti-corruption", "integrity"),
    ("cooperation", "Inter-agency and international cooperation", "cooperation"),
    ("smart-borders", "IT tools and smart borders", "technology"),
    ("strategy", "Strategic planning for integrated border management", "strategy"),
    ("evaluation", "Monitoring and evaluation of IBM strategies", "evaluation"),
    ("customs", "Customs controls and trade facilitation", "customs"),
    ("human-rights", "Fundamental rights at the border", "rights"),
    ("green-border", "Surveillance of the green border", "surveillance"),
]
LEVELS = ["Foundations", "Practitioner", "Advanced", "Refresher", "For team leaders"]
LANGUAGES = ["en", "en", "en", "uk"]

PARAGRAPHS = [
    "Integrated border management brings border guards, customs and other agencies together so that "
    "legitimate travellers and goods cross quickly while threats are detected early.",
    "A risk profile combines indicators drawn from intelligence, previous cases and the traffic itself. "
    "Officers apply it at the first line and refer travellers to the second line when indicators match.",
    "Every control must respect fundamental rights: explain what is happening, record the decision and "
    "the reasons, and give the traveller a way to complain.",
    "Information is shared on a need-to-know basis through agreed channels. Keep a log of what was "
    "shared, with whom and why, so that the exchange can be audited later.",
    "Integrity risks grow where discretion is high and supervision low. Rotation, four-eyes checks and "
    "clear reporting lines reduce the opportunities for corruption.",
]
CHOICE_TEXTS = ["Refer to the second line", "Record the reasons", "Use the agreed channel",
                "Ask the supervisor", "Release without checks", "Destroy the document", "Ignore the indicator",
                "Keep it to yourself"]
QUESTION_STEMS = ["What comes first at the first line?", "Who may receive the risk profile?",
                  "What reduces integrity risks?", "What must a refusal record?", "When is a referral needed?",
                  "What does the four-eyes check need?", "Which channel do agencies share through?"]


@dataclass
class Question:
    """A generated question: its row, its snapshot as drawn, and a right and a wrong response."""

    id: int
    slug: str
    item: dict
    right: object
    wrong: object
    points: Decimal


@dataclass
class QuizPlan:
    """A generated quiz, with its questions in order and the draw every attempt stores."""

    id: int
    slug: str
    is_final: bool
    pass_mark: int
    time_limit_minutes: int | None
    attempts_allowed: int
    questions: list[Question]
    draw: str  # JSON text of the questions as every attempt draws them (no shuffling)


@dataclass
class CoursePlan:
    """A generated course: its rows per table and the sequence of lessons and quizzes trainees follow."""

    id: int
    slug: str
    title: str
    certificate_validity_months: int | None
    rows: dict[str, list[dict]] = field(default_factory=dict)
    sequence: list[tuple[str, object]] = field(default_factory=list)  # ("lesson", id) or ("quiz", QuizPlan)

    @property
    def lesson_ids(self) -> list[int]:
        return [ref for kind, ref in self.sequence if kind == "lesson"]

    @property
    def quizzes(self) -> list[QuizPlan]:
        return [ref for kind, ref in self.sequence if kind == "quiz"]


class Ids:
    """Sequential primary keys per table, starting at 1 (the database is empty when generation starts)."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value

    def last(self, table: str) -> int:
        return self._next.get(table, 1) - 1


def lesson_body(rng: random.Random, title: str) -> str:
    """A lesson in Markdown: headings, paragraphs, a list and a table (about 1.5 KB)."""
    picked = rng.sample(PARAGRAPHS, 3)
    return "\n\n".join([
        f"## {title}", picked[0], "### Key points",
        "\n".join(f"- {p.split('.')[0]}." for p in rng.sample(PARAGRAPHS, 3)),
        picked[1], "| Situation | First line | Second line |\n|---|---|---|\n"
                   "| Indicator matches | Refer | Interview and check |\n| No indicator | Clear | — |",
        picked[2],
    ])


def _question(rng: random.Random, ids: Ids, course_id: int, quiz_id: int, slug: str, position: int,
              kind: str, rows: dict[str, list[dict]]) -> Question:
    qid = ids.take("questions")
    text = rng.choice(QUESTION_STEMS)
    row = {"id": qid, "course_id": course_id, "quiz_id": quiz_id, "slug": slug, "position": position, "kind": kind,
           "text": text, "points": Decimal("1.00"), "explanation": "See the lesson before.",
           "true_false_answer": None, "accepted_answers": None, "numeric_answer": None, "numeric_tolerance": 0.0,
           "retired": False}
    choices = []
    if kind in grading.CHOICE_KINDS:
        right_count = 1 if kind == "single_choice" else 2
        for position_c, choice_text in enumerate(rng.sample(CHOICE_TEXTS, 4), start=1):
            choice = {"id": ids.take("choices"), "question_id": qid, "position": position_c, "text": choice_text,
                      "correct": position_c <= right_count}
            rows["choices"].append(choice)
            choices.append({"id": choice["id"], "text": choice_text, "correct": choice["correct"]})
    elif kind == "true_false":
        row["true_false_answer"] = rng.random() < 0.5
    elif kind == "short_text":
        row["accepted_answers"] = ["second line", "the second line"]
    else:
        row["numeric_answer"], row["numeric_tolerance"] = float(rng.randint(2, 90)), 0.5
    rows["questions"].append(row)
    item = {"question_id": qid, "slug": slug, "kind": kind, "text": text, "points": "1.00",
            "explanation": row["explanation"], "choices": choices, "answer": row["true_false_answer"],
            "accepted": list(row["accepted_answers"] or []), "value": row["numeric_answer"],
            "tolerance": row["numeric_tolerance"]}
    right, wrong = right_and_wrong(item)
    if grading.score_question(item, right) != Decimal(1) or grading.score_question(item, wrong) != Decimal(0):
        raise AssertionError(f"generated question {slug} does not grade as planned")
    return Question(qid, slug, item, json_text(right), json_text(wrong), Decimal(1))


def right_and_wrong(item: dict) -> tuple[object, object]:
    """A right and a wrong response, in the form `parse_responses` stores."""
    kind = item["kind"]
    if kind in grading.CHOICE_KINDS:
        right = sorted(c["id"] for c in item["choices"] if c["correct"])
        wrong = sorted(c["id"] for c in item["choices"] if not c["correct"])[:1]
        return right, wrong
    if kind == "true_false":
        return item["answer"], not item["answer"]
    if kind == "short_text":
        return "Second line", "the first line"
    return f"{item['value']:g}".replace(".", ","), f"{item['value'] + 100:g}"


KINDS = ["single_choice", "single_choice", "multiple_choice", "true_false", "single_choice", "short_text",
         "multiple_choice", "numeric", "true_false", "single_choice"]


def build_course(index: int, ids: Ids, staff_ids: list[int], created_at) -> CoursePlan:
    """Course number `index` (0-based): rows for courses, topics, staff, modules, lessons, quizzes,
    questions and choices, and the order in which trainees meet its lessons and quizzes."""
    rng = random.Random(f"bench-course-{index}")
    topic_slug, topic_title, topic = TOPICS[index % len(TOPICS)]
    level = LEVELS[(index // len(TOPICS)) % len(LEVELS)]
    course_id = ids.take("courses")
    slug = f"{topic_slug}-{index + 1:03d}"
    title = f"{topic_title}: {level}" + (f" ({index // (len(TOPICS) * len(LEVELS)) + 1})"
                                         if index >= len(TOPICS) * len(LEVELS) else "")
    validity = 24 if index % 3 == 2 else None
    plan = CoursePlan(course_id, slug, title, validity, rows={t: [] for t in (
        "courses", "course_topics", "course_staff", "modules", "lessons", "quizzes", "questions", "choices")})
    rows = plan.rows
    rows["courses"].append({
        "id": course_id, "slug": slug, "title": title,
        "summary": f"{PARAGRAPHS[index % len(PARAGRAPHS)]} Level: {level.lower()}.",
        "language": LANGUAGES[index % len(LANGUAGES)], "status": "published", "version": 1,
        "estimated_hours": Decimal(rng.choice(["2.0", "4.0", "6.5", "8.0", "12.0"])),
        "outcomes": [f"Apply {topic} in daily work", f"Explain the {topic} procedures to colleagues"],
        "self_enrolment": index % 4 != 3, "enrolment_key_hash": None, "certificate_validity_months": validity,
        "completion_lessons": "all", "completion_quizzes": "final" if index % 5 == 4 else "all",
        "package_hash": None, "created_at": created_at, "updated_at": created_at})
    rows["course_topics"].append({"course_id": course_id, "topic": topic})
    if index % 2:
        rows["course_topics"].append({"course_id": course_id, "topic": "ibm"})
    rows["course_staff"].append({"course_id": course_id, "user_id": staff_ids[index % len(staff_ids)],
                                 "role": "owner", "added_at": created_at})
    for m in range(1, sizes.MODULES + 1):
        module_id = ids.take("modules")
        module_slug = f"{m:02d}-part-{m}"
        rows["modules"].append({"id": module_id, "course_id": course_id, "slug": module_slug, "position": m,
                                "title": f"Part {m}: {rng.choice(PARAGRAPHS).split(' ')[0]} and practice",
                                "retired": False})
        for p in range(1, sizes.LESSONS_PER_MODULE + 1):
            lesson_id = ids.take("lessons")
            lesson_title = f"Lesson {m}.{p}: {topic_title.split(' ')[0]} in practice"
            rows["lessons"].append({"id": lesson_id, "course_id": course_id, "module_id": module_id,
                                    "slug": f"lesson-{m}-{p}", "position": p, "title": lesson_title,
                                    "minutes": rng.choice([10, 15, 20]), "body": lesson_body(rng, lesson_title),
                                    "retired": False})
            plan.sequence.append(("lesson", lesson_id))
        final = m == sizes.MODULES
        plan.sequence.append(("quiz", _quiz(rng, ids, rows, course_id, module_id, m, final, index)))
    # The outline cache key (Course.outline_stamp), derived from the outline's own rows: the same
    # content gives the same stamp, so the generated data stay deterministic and a regenerated
    # data set never meets a stale cached outline.
    rows["courses"][0]["outline_stamp"] = hashlib.sha256(
        repr([rows[t] for t in ("modules", "lessons", "quizzes")]).encode()).hexdigest()[:16]
    return plan


def _quiz(rng, ids: Ids, rows, course_id: int, module_id: int, module_no: int, final: bool, index: int) -> QuizPlan:
    quiz_id = ids.take("quizzes")
    slug = "final" if final else f"check-{module_no}"
    count = sizes.FINAL_QUESTIONS if final else sizes.MODULE_QUIZ_QUESTIONS
    time_limit = sizes.FINAL_TIME_LIMIT_MINUTES if final else None
    allowed = 3 if final and index % 4 == 1 else 0
    rows["quizzes"].append({
        "id": quiz_id, "course_id": course_id, "module_id": module_id, "slug": slug,
        "position": sizes.LESSONS_PER_MODULE + 1, "title": "Final assessment" if final else f"Check of part {module_no}",
        "is_final": final, "pass_mark": sizes.PASS_MARK, "attempts_allowed": allowed,
        "time_limit_minutes": time_limit, "draw_count": None, "shuffle_questions": False, "shuffle_choices": False,
        "layout": "all", "review": "after_submit", "retired": False})
    questions = [_question(rng, ids, course_id, quiz_id, f"{slug}-q{n:02d}", n, KINDS[(n - 1) % len(KINDS)], rows)
                 for n in range(1, count + 1)]
    return QuizPlan(quiz_id, slug, final, sizes.PASS_MARK, time_limit, allowed, questions,
                    json_text([q.item for q in questions]))
