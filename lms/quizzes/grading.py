"""Drawing questions for an attempt and grading answers: pure functions, no database.

The draw is a list of plain dicts, stored with the attempt. It carries the answers, so it is
server-side only: pages render its `text` and `choices[*].id/text`, never anything else.

Multiple choice gives partial credit: each correct choice picked earns points / (number of
correct choices); each wrong choice picked takes the same share away; a question never scores
below zero. Short text is compared after folding case and collapsing spaces. Numeric answers are
right within the question's tolerance, and accept a decimal comma.
"""
from __future__ import annotations

import random
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

CHOICE_KINDS = ("single_choice", "multiple_choice")


def snapshot(question, rng: random.Random, shuffle_choices: bool) -> dict:
    """A question as drawn: everything needed to show and grade it, whatever later edits do."""
    choices = [{"id": c.id, "text": c.text, "correct": bool(c.correct)} for c in question.choices]
    if shuffle_choices and question.kind in CHOICE_KINDS:
        rng.shuffle(choices)
    return {
        "question_id": question.id, "slug": question.slug, "kind": question.kind, "text": question.text,
        "points": str(question.points), "explanation": question.explanation, "choices": choices,
        "answer": question.true_false_answer, "accepted": list(question.accepted_answers or []),
        "value": question.numeric_answer, "tolerance": question.numeric_tolerance,
    }


def draw_questions(quiz, questions: list, rng: random.Random) -> list[dict]:
    """Pick the questions of an attempt (all, or `draw_count` at random) in the order shown."""
    chosen = list(questions)
    if quiz.draw_count and quiz.draw_count < len(chosen):
        chosen = rng.sample(chosen, quiz.draw_count)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort(key=lambda q: q.position)
    return [snapshot(q, rng, quiz.shuffle_choices) for q in chosen]


def normalise_text(value: str) -> str:
    """Case-folded, NFC, single-spaced text for comparing short answers."""
    return " ".join(unicodedata.normalize("NFC", value or "").casefold().split())


def parse_number(value) -> Decimal | None:
    """A number typed by a trainee ("12.5", "12,5", " 1 000 ") or None if it is not one."""
    if value is None:
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    return Decimal(text)


def score_question(item: dict, response) -> Decimal:
    """Points earned by `response` for the drawn question `item`."""
    points = Decimal(item["points"])
    kind = item["kind"]
    if response is None or response == "" or response == []:
        return Decimal(0)
    if kind == "single_choice":
        right = {c["id"] for c in item["choices"] if c["correct"]}
        return points if isinstance(response, list) and len(response) == 1 and response[0] in right else Decimal(0)
    if kind == "multiple_choice":
        right = {c["id"] for c in item["choices"] if c["correct"]}
        chosen = set(response if isinstance(response, list) else [])
        share = points / len(right) if right else Decimal(0)
        earned = share * len(chosen & right) - share * len(chosen - right)
        return max(Decimal(0), earned).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if kind == "true_false":
        return points if response in (True, False) and response == item["answer"] else Decimal(0)
    if kind == "short_text":
        given = normalise_text(str(response))
        return points if given and given in {normalise_text(a) for a in item["accepted"]} else Decimal(0)
    if kind == "numeric":
        number = parse_number(response)
        if number is None or item["value"] is None:
            return Decimal(0)
        tolerance = Decimal(str(item["tolerance"] or 0)) + Decimal("1e-9")
        return points if abs(number - Decimal(str(item["value"]))) <= tolerance else Decimal(0)
    return Decimal(0)


def right_answer(item: dict) -> str | list[str]:
    """The right answer as shown in review: choice texts, true/false, accepted texts or value ± tolerance."""
    kind = item["kind"]
    if kind in CHOICE_KINDS:
        return [c["text"] for c in item["choices"] if c["correct"]]
    if kind == "true_false":
        return "true" if item["answer"] else "false"
    if kind == "short_text":
        return item["accepted"]
    tolerance = item["tolerance"] or 0
    value = item["value"]
    return f"{value:g} ± {tolerance:g}" if tolerance else f"{value:g}"


def grade_draw(draw: list[dict], responses: dict, pass_mark) -> dict:
    """Grade a whole attempt in memory: `responses` maps question slugs to responses (missing: none).

    Returns the points of each slug, whether each was fully right, and the attempt's score,
    max_score, percent and passed, exactly as stored.
    """
    points, correct = {}, {}
    total, maximum = Decimal(0), Decimal(0)
    for item in draw:
        worth = Decimal(item["points"])
        earned = score_question(item, responses.get(item["slug"]))
        points[item["slug"]], correct[item["slug"]] = earned, earned == worth
        total += earned
        maximum += worth
    percent = (total * 100 / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0)
    return {"points": points, "correct": correct, "score": total, "max_score": maximum, "percent": percent,
            "passed": percent >= Decimal(pass_mark)}
