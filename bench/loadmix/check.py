"""The load mix's database check, untimed, after the run: what the server acknowledged is in the database.

- every answer of a save answered 2xx/3xx is stored as sent (or as a later save that got no answer sent it);
- every submission answered with the review left its attempt submitted;
- every review's figures (score, out of, percentage, passed, each question right or not) are the attempt's.

Each difference is a line of the report and counts as an error.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bench.loadmix.trainee import AttemptSeen

_MISSING = object()


def _review_mismatches(seen: AttemptSeen, attempt, correct: dict) -> list[str]:
    shown, out = seen.review, []
    if shown.score is None:
        return [f"attempt {seen.attempt_id}: the review shows no score"]
    stored = {"score": attempt.score, "out of": attempt.max_score,
              "percentage": None if attempt.percent is None else round(Decimal(attempt.percent), 1)}
    for name, value, on_page in (("score", stored["score"], shown.score), ("out of", stored["out of"], shown.max_score),
                                 ("percentage", stored["percentage"], shown.percent)):
        if value is None or Decimal(value) != on_page:
            out.append(f"attempt {seen.attempt_id}: the review shows {name} {on_page}, the database {value}")
    if shown.passed != bool(attempt.passed):
        out.append(f"attempt {seen.attempt_id}: the review shows passed={shown.passed}, the database {attempt.passed}")
    in_database = [bool(correct.get(item["slug"])) for item in attempt.draw]
    if shown.questions and shown.questions != in_database:
        out.append(f"attempt {seen.attempt_id}: the review marks {shown.questions.count(True)} questions right, "
                   f"the database {in_database.count(True)} (or others)")
    return out


def check(engine: Engine, attempts: list[AttemptSeen]) -> tuple[list[str], tuple[int, int, int]]:
    """The mismatches between what the trainees were told and the database, and how many attempts,
    acknowledged answers and reviews were compared."""
    from lms.extensions import db

    table, answers = db.metadata.tables["quiz_attempts"], db.metadata.tables["attempt_answers"]
    ids = [seen.attempt_id for seen in attempts]
    mismatches, counts = [], [0, 0, 0]
    with engine.connect() as conn:
        stored = {row.id: row for row in conn.execute(select(table).where(table.c.id.in_(ids)))} if ids else {}
        responses: dict[int, dict] = {}
        correct: dict[int, dict] = {}
        if ids:
            for row in conn.execute(select(answers.c.attempt_id, answers.c.question_slug, answers.c.response,
                                           answers.c.correct).where(answers.c.attempt_id.in_(ids))):
                responses.setdefault(row.attempt_id, {})[row.question_slug] = row.response
                correct.setdefault(row.attempt_id, {})[row.question_slug] = row.correct
    for seen in attempts:
        attempt = stored.get(seen.attempt_id)
        counts[0] += 1
        if attempt is None:
            if seen.acknowledged or seen.submitted:
                mismatches.append(f"attempt {seen.attempt_id} of {seen.email} is not in the database")
            continue
        saved = responses.get(seen.attempt_id, {})
        for slug, value in seen.acknowledged.items():
            counts[1] += 1
            found = saved.get(slug, _MISSING)
            if found is _MISSING:
                mismatches.append(f"attempt {seen.attempt_id}: the acknowledged answer to {slug} is not in the database")
            elif found != value and found not in seen.unsure.get(slug, []):
                mismatches.append(f"attempt {seen.attempt_id}: {slug} acknowledged as {value!r}, the database holds "
                                  f"{found!r}")
        if seen.submitted and attempt.status != "submitted":
            mismatches.append(f"attempt {seen.attempt_id}: submitted and acknowledged, the database says "
                              f"{attempt.status}")
        if seen.review is not None:
            counts[2] += 1
            mismatches.extend(_review_mismatches(seen, attempt, correct.get(seen.attempt_id, {})))
    return mismatches, tuple(counts)
