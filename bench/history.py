"""A trainee's generated history: enrolments in several states, lessons viewed, graded attempts,
certificates and feedback, with dates spread over two years.

Everything a trainee did is planned from the trainee's own random generator, so the rows of one
trainee do not depend on how many others there are. Attempts are graded as the platform grades
them: each answer is a right or a wrong response whose points `content` checked with the real
grader, the score is their sum, the percent and pass follow from it, and an enrolment is completed
only when its course's rule is met (every lesson viewed, every quiz passed).
"""
from __future__ import annotations

import base64
import math
import random
from datetime import datetime, timedelta
from decimal import Decimal

from bench import sizes
from bench.content import CoursePlan, Ids, QuizPlan
from lms.learning.services import add_months

def attempt_token(attempt_id: int) -> str:
    """A generated attempt's token: unique, and the same in every generation (the platform's are random). The
    bulk load writes it as a column of its own: the model's default, one random value per statement there,
    gave every attempt of a batch the same token, which its unique index refuses."""
    return f"bench-{attempt_id}"


ENROLMENT_COLUMNS = ("id", "user_id", "course_id", "cycle", "is_current", "source", "status", "enrolled_at",
                     "enrolled_by_id", "due_at", "completed_at", "started_at", "last_activity_at")
PROGRESS_COLUMNS = ("id", "enrolment_id", "lesson_id", "first_viewed_at", "last_viewed_at")
ATTEMPT_COLUMNS = ("id", "quiz_id", "enrolment_id", "user_id", "number", "status", "started_at", "deadline_at",
                   "submitted_at", "draw", "score", "max_score", "percent", "passed", "token")
ANSWER_COLUMNS = ("id", "attempt_id", "question_id", "question_slug", "response", "saved_at", "points", "correct")
CERTIFICATE_COLUMNS = ("id", "code", "enrolment_id", "user_id", "course_id", "holder_name", "course_title",
                       "institution_name", "issued_at", "expires_at", "revoked_at", "revoked_reason", "revoked_by_id")
FEEDBACK_COLUMNS = ("id", "enrolment_id", "course_id", "rating", "comment", "created_at", "updated_at")

# The tables of the history, in the order their batches are written (parents first).
TABLES = ("enrolments", "certificates", "feedback", "lesson_progress", "quiz_attempts", "attempt_answers")
COMMENTS = ["", "", "Useful for my daily work.", "The cases were realistic.", "Too long for one evening.",
            "Дуже корисний курс.", "More exercises, please."]
ONE, HUNDRED, CENT = Decimal(1), Decimal(100), Decimal("0.01")
ZERO_POINTS, ONE_POINT = Decimal("0.00"), Decimal("1.00")
# The bench trainee's enrolments, the same at every size: (state, how far in the course).
BENCH_SCRIPT = [("in_progress", 4), ("completed", 9), ("not_started", 0), ("in_progress", 9), ("completed", 9),
                ("in_progress", 2), ("not_started", 0), ("in_progress", 6), ("completed", 9), ("in_progress", 1)]


class History:
    """Accumulates the rows of the history tables; `generator` flushes them in batches."""

    def __init__(self, ids: Ids, courses: list[CoursePlan], anchor: datetime):
        self.ids = ids
        self.courses = courses
        self.anchor = anchor
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}

    @property
    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def trainee(self, user: tuple, institution: tuple, coordinator_id: int, admin_id: int, number: int,
                rng: random.Random, per_trainee: int) -> None:
        """Plan and add everything trainee `user` did."""
        if number == 0:
            picked = list(range(min(len(BENCH_SCRIPT), len(self.courses))))
            script = BENCH_SCRIPT
            rng = random.Random("bench-trainee")
        else:
            k = max(1, min(len(self.courses), rng.randint(per_trainee - 2, per_trainee + 2)))
            picked = rng.sample(range(len(self.courses)), k)
            script = None
        first = max(user[8], self.anchor - timedelta(days=sizes.HISTORY_DAYS))
        latest = self.anchor - timedelta(days=1)
        for i, course_index in enumerate(picked):
            course = self.courses[course_index]
            if script is not None:
                state, reach = script[i]
                enrolled_at = self.anchor - timedelta(days=60 - i, hours=3)
            else:
                u = rng.random()
                state = ("not_started" if u < sizes.NOT_STARTED_SHARE else
                         "completed" if u > 1 - sizes.COMPLETED_SHARE else "in_progress")
                reach = len(course.sequence) if state == "completed" else (
                    rng.randint(1, len(course.sequence)) if state == "in_progress" else 0)
                enrolled_at = first + (latest - first) * rng.random()
            self._enrolment(user, institution, coordinator_id, admin_id, course, state, reach, enrolled_at, rng)

    def _enrolment(self, user, institution, coordinator_id, admin_id, course: CoursePlan, state: str, reach: int,
                   enrolled_at: datetime, rng: random.Random) -> None:
        enrolment_id = self.ids.take("enrolments")
        user_id = user[0]
        available = (self.anchor - enrolled_at).total_seconds()
        span = min(rng.uniform(2, 120) * 86400, available * 0.9)
        step = span / (len(course.sequence) + 1)
        moments = []
        for position, (kind, ref) in enumerate(course.sequence[:reach], start=1):
            moment = enrolled_at + timedelta(seconds=step * position * rng.uniform(0.8, 1.0))
            done = state == "completed" or position < reach
            if kind == "lesson":
                self.rows["lesson_progress"].append((self.ids.take("lesson_progress"), enrolment_id, ref, moment,
                                                     moment + timedelta(minutes=rng.randint(0, 30))))
                moments.append(moment)
            else:
                moments.extend(self._attempts(enrolment_id, user_id, ref, moment, done, rng))
        completed_at = moments[-1] if state == "completed" else None
        source = rng.choice(("self", "self", "coordinator", "bulk", "admin"))
        by = {"self": None, "coordinator": coordinator_id, "bulk": coordinator_id, "admin": admin_id}[source]
        due = (enrolled_at + timedelta(days=90)).replace(hour=23, minute=59, second=0, microsecond=0) \
            if rng.random() < 0.3 else None
        self.rows["enrolments"].append((
            enrolment_id, user_id, course.id, 1, True, source, "completed" if completed_at else "active", enrolled_at,
            by, due, completed_at, moments[0] if moments else None, max(moments) if moments else None))
        if completed_at is not None:
            self._certificate(enrolment_id, user, institution, course, completed_at, rng)

    def _certificate(self, enrolment_id, user, institution, course: CoursePlan, completed_at, rng) -> None:
        code = base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode().rstrip("=")
        expires = add_months(completed_at, course.certificate_validity_months) \
            if course.certificate_validity_months else None
        self.rows["certificates"].append((
            self.ids.take("certificates"), code, enrolment_id, user[0], course.id, user[2], course.title,
            institution[2], completed_at, expires, None, None, None))
        if rng.random() < 0.3:
            when = completed_at + timedelta(hours=1)
            self.rows["feedback"].append((self.ids.take("feedback"), enrolment_id, course.id,
                                          rng.choice((3, 4, 4, 5, 5)), rng.choice(COMMENTS), when, when))

    def _attempts(self, enrolment_id: int, user_id: int, quiz: QuizPlan, moment: datetime, done: bool,
                  rng: random.Random) -> list[datetime]:
        """The attempts at a quiz: failures then a pass when `done`, else failures or one left open."""
        u = rng.random()
        failures = 0 if u < 0.7 else 1 if u < 0.91 else 2
        outcomes = ["fail"] * failures + ["pass"] if done else (
            ["open"] if quiz.time_limit_minutes is None and u < 0.15 else ["fail"] * max(1, failures))
        times = []
        for number, outcome in enumerate(outcomes, start=1):
            started = moment + timedelta(hours=number - 1, minutes=rng.randint(0, 50))
            times.append(self._attempt(enrolment_id, user_id, quiz, number, started, outcome, rng))
        return times

    def _attempt(self, enrolment_id, user_id, quiz: QuizPlan, number: int, started: datetime, outcome: str,
                 rng: random.Random) -> datetime:
        attempt_id = self.ids.take("quiz_attempts")
        questions = quiz.questions
        n = len(questions)
        need = math.ceil(n * quiz.pass_mark / 100)
        deadline = started + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
        duration = timedelta(minutes=rng.randint(3, 25))
        submitted = started + duration
        answers = self.rows["attempt_answers"]
        take = self.ids.take
        if outcome == "open":
            for q in questions[:rng.randint(1, n)]:
                answers.append((take("attempt_answers"), attempt_id, q.id, q.slug, q.right if rng.random() < 0.7
                                else q.wrong, started + duration / 2, None, None))
            self.rows["quiz_attempts"].append((attempt_id, quiz.id, enrolment_id, user_id, number, "in_progress",
                                               started, deadline, None, quiz.draw, None, None, None, None,
                                               attempt_token(attempt_id)))
            return started + duration / 2
        right = rng.randint(need, n) if outcome == "pass" else rng.randint(0, need - 1)
        right_set = set(rng.sample(range(n), right))
        tick = duration / (n + 1)
        for i, q in enumerate(questions):
            ok = i in right_set
            answers.append((take("attempt_answers"), attempt_id, q.id, q.slug, q.right if ok else q.wrong,
                            started + tick * (i + 1), ONE_POINT if ok else ZERO_POINTS, ok))
        score, maximum = Decimal(right), Decimal(n)
        percent = (score * HUNDRED / maximum).quantize(CENT)
        self.rows["quiz_attempts"].append((attempt_id, quiz.id, enrolment_id, user_id, number, "submitted", started,
                                           deadline, submitted, quiz.draw, score, maximum, percent,
                                           percent >= quiz.pass_mark, attempt_token(attempt_id)))
        return submitted
