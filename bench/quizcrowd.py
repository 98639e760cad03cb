"""The trainees of the quiz workloads (`bench.quizweb`), the steps around their requests, and the raw writer of
the floors: who takes the final in turn, how a start, a save and a submission are sent as the pages send them,
what the rows written look like (`QuizCrowd.snapshot`) and how they are taken away again (`QuizCrowd.reset`).
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import and_, delete, exists, func, select, update

from bench import sizes
from bench.content import right_and_wrong
from bench.crowd import Trainee, sign_in_trainees
from lms.extensions import db
from lms.learning import figures
from lms.learning.figures import KEPT

TRAINEES = 10
ATTEMPT_URL = re.compile(r"/attempts/(\d+)")


def _plain(value):
    """A number as the same Decimal on both databases (SQLite gives floats back), anything else as it is."""
    return Decimal(str(value)).normalize() if isinstance(value, (Decimal, float)) else value


def form_values(response) -> list[str]:
    """A response as the attempt page's form sends it."""
    if isinstance(response, bool):
        return ["true" if response else "false"]
    if isinstance(response, list):
        return [str(v) for v in response]
    return [str(response)]


def responses_for(draw: list[dict], right: int) -> dict:
    """The first `right` questions answered right, the others wrong."""
    return {item["slug"]: right_and_wrong(item)[0 if i < right else 1] for i, item in enumerate(draw)}


class RawWriter:
    """Hand-written statements on a raw DB-API connection (sqlite3 or psycopg), values as each driver stores them
    for the app's column types (SQLite: UTC text with microseconds, floats for numerics; PostgreSQL: aware
    datetimes, Decimals, JSON through a cast)."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.connection = None

    def sql(self, text: str) -> str:
        return text.replace("::json", "").replace("%s", "?") if self.sqlite else text

    def moment(self, value: datetime | None):
        if value is None or not self.sqlite:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def number(self, value: Decimal | None):
        return float(value) if self.sqlite and value is not None else value

    def value(self, value):
        """A value read through the app's models, as this driver stores it."""
        if isinstance(value, datetime):
            return self.moment(value)
        return self.number(value) if isinstance(value, Decimal) else value

    def open(self) -> None:
        """Take a connection from the pool (untimed, before the floor runs)."""
        self.connection = self.engine.raw_connection()

    def close(self) -> None:
        self.connection.close()
        self.connection = None


class QuizCrowd:
    """Trainees whose final assessment completes their course when passed, and the steps around a request."""

    def __init__(self, context, trainees: int = TRAINEES):
        from lms.audit.models import AuditEvent
        from lms.learning.models import Certificate
        from lms.quizzes.models import QuizAttempt

        self.context = context
        self.engine = context.engine
        self.targets = completing_enrolments(trainees)
        if not self.targets:
            raise RuntimeError("no enrolment in the data whose final assessment would complete it")
        self.first = {"attempt": db.session.scalar(select(func.max(QuizAttempt.id))) or 0,
                      "certificate": db.session.scalar(select(func.max(Certificate.id))) or 0,
                      "audit": db.session.scalar(select(func.max(AuditEvent.id))) or 0}
        db.session.remove()
        trainees_in = sign_in_trainees(context.app, [t["user_id"] for t in self.targets])
        for target, trainee in zip(self.targets, trainees_in):
            target["trainee"] = trainee
        self.turn = -1
        self.draws: dict[int, list] = {}
        self.state: dict = {}
        self.raw = RawWriter(self.engine)

    @property
    def target(self) -> dict:
        return self.targets[self.turn % len(self.targets)]

    def next_turn(self) -> None:
        self.turn += 1
        self.state = {"audit": self._max_audit()}

    def _max_audit(self) -> int:
        from lms.audit.models import AuditEvent

        with self.engine.begin() as conn:  # see `snapshot`: a read that ends with COMMIT
            return conn.scalar(select(func.max(AuditEvent.id))) or 0

    # Steps through the web --------------------------------------------------------------------------------
    def _quiz_url(self) -> str:
        return f"/courses/{self.target['course_slug']}/quizzes/final"

    def start_form(self) -> dict:
        trainee: Trainee = self.target["trainee"]
        return {"csrf_token": trainee.csrf(self._quiz_url())}

    def web_start(self) -> int:
        """POST the quiz's start button; the attempt's id (from the redirect)."""
        trainee: Trainee = self.target["trainee"]
        response = trainee.client.post(self._quiz_url() + "/start", data=self.start_form())
        match = ATTEMPT_URL.search(response.headers.get("Location", ""))
        if response.status_code != 302 or match is None:
            raise RuntimeError(f"starting the final answered {response.status_code} {response.headers.get('Location')}")
        self.state["attempt_id"] = int(match.group(1))
        return self.state["attempt_id"]

    def ready_bare_post(self) -> None:
        """Untimed, before a floor: the CSRF token its bare POST sends (read from the quiz page, as a browser would)."""
        self.state["floor_token"] = self.target["trainee"].csrf(self._quiz_url())

    def bare_post(self) -> None:
        """POST the bare route as the target trainee, with the form's CSRF token: a request received, its session
        read and its token checked as the quiz's forms are, and a constant answer (the request part of a floor)."""
        from bench.app import BARE_BODY, BARE_PATH

        response = self.target["trainee"].client.post(BARE_PATH, data={"csrf_token": self.state["floor_token"]})
        if response.status_code != 200 or response.get_data(as_text=True) != BARE_BODY:
            raise RuntimeError(f"the bare route answered a POST with {response.status_code}")

    def draw(self, attempt_id: int) -> list:
        from lms.quizzes.models import QuizAttempt

        quiz_id = self.target["quiz_id"]
        if quiz_id not in self.draws:
            with self.engine.begin() as conn:  # ends with COMMIT (see `snapshot`)
                self.draws[quiz_id] = conn.scalar(select(QuizAttempt.draw).where(QuizAttempt.id == attempt_id))
        return self.draws[quiz_id]

    def save_form(self, attempt_id: int, right: int) -> dict:
        draw = self.draw(attempt_id)
        responses = responses_for(draw, right)
        self.state["responses"] = responses
        form = {"csrf_token": self.target["trainee"].csrf(self._quiz_url()), "questions": list(responses),
                "action": "save"}
        for slug, response in responses.items():
            form[f"a-{slug}"] = form_values(response)
        return form

    def web_save(self, attempt_id: int, form: dict) -> None:
        """POST the attempt page's form with every answer (the "Save answers" button)."""
        response = self.target["trainee"].client.post(f"/attempts/{attempt_id}", data=form)
        if response.status_code != 302 or "/attempts/" not in response.headers.get("Location", ""):
            raise RuntimeError(f"saving the answers answered {response.status_code}")

    def web_submit(self, attempt_id: int) -> None:
        """POST the confirmation page's submit button."""
        response = self.target["trainee"].client.post(
            f"/attempts/{attempt_id}/submit", data={"csrf_token": self.target["trainee"].csrf(self._quiz_url())})
        if response.status_code != 302 or "/review" not in response.headers.get("Location", ""):
            raise RuntimeError(f"submitting answered {response.status_code} {response.headers.get('Location')}")

    # What was written, and taking it away --------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The rows written for the current target since its turn began, without ids, codes and instants
        (which differ between the two by nature), but with which instants are set."""
        from lms.audit.models import AuditEvent
        from lms.learning.models import Certificate, Enrolment
        from lms.quizzes.models import AttemptAnswer, QuizAttempt

        t = self.target
        # Ended with a COMMIT, not the pool's ROLLBACK: psycopg forgets a connection's prepared statements at a
        # ROLLBACK, and the app's next request takes the same pooled connection. A site's connections keep theirs
        # (a request that only reads ends without either, one that writes commits), so PostgreSQL stops planning
        # the quiz's statements again after a few requests; the bench's untimed reads must not undo that.
        with self.engine.begin() as conn:
            attempts = conn.execute(select(QuizAttempt).where(QuizAttempt.enrolment_id == t["enrolment_id"],
                                                              QuizAttempt.id > self.first["attempt"])).all()
            answers = conn.execute(select(AttemptAnswer).join(QuizAttempt).where(
                QuizAttempt.enrolment_id == t["enrolment_id"], QuizAttempt.id > self.first["attempt"])
                .order_by(AttemptAnswer.question_slug)).all()
            enrolment = conn.execute(select(Enrolment).where(Enrolment.id == t["enrolment_id"])).one()
            certificates = conn.execute(select(Certificate).where(Certificate.enrolment_id == t["enrolment_id"],
                                                                  Certificate.id > self.first["certificate"])).all()
            events = conn.execute(select(AuditEvent).where(AuditEvent.id > self.state["audit"],
                                                           AuditEvent.target_type == "enrolments",
                                                           AuditEvent.target_id == t["enrolment_id"])).all()
        written = self.kept()
        expiry = KEPT.index("certificate_best_expiry")
        return {
            # The kept figures as written (the best expiry follows the moment the certificate was issued: whether
            # there is one), and the quiz's row of them.
            "figures": tuple(v is not None if i == expiry else v for i, v in enumerate(written["enrolment"])),
            "quiz figures": written["quizzes"],
            "attempts": [(a.quiz_id, a.user_id, a.number, a.status, a.submitted_at is not None, a.score, a.max_score,
                          a.percent, a.passed, a.language, a.token is not None, a.deadline_at - a.started_at,
                          json.dumps(a.draw, sort_keys=True)) for a in attempts],
            "answers": [(a.question_id, a.question_slug, json.dumps(a.response), a.saved_at is not None, a.points,
                         a.correct) for a in answers],
            "enrolment": (enrolment.status, enrolment.completed_at is not None, enrolment.started_at is not None,
                          enrolment.last_activity_at != t["before"]["last_activity_at"]),
            "certificates": [(c.user_id, c.course_id, c.holder_name, c.course_title, c.institution_name,
                              c.issued_at is not None, c.expires_at is None, len(c.code)) for c in certificates],
            "audit": [(e.action, e.actor_id, e.institution_id, e.details) for e in events]}

    def kept(self) -> dict:
        """The current target's kept figures as stored: its enrolment's (`figures.KEPT`, in that order) and its
        rows per quiz (quiz id, attempts, best, passed, submitted), numbers as the comparison needs them."""
        from lms.learning.models import Enrolment, QuizFigures

        t = self.target
        with self.engine.begin() as conn:  # ends with COMMIT (see `snapshot`)
            enrolment = conn.execute(select(*(getattr(Enrolment, name) for name in KEPT))
                                     .where(Enrolment.id == t["enrolment_id"])).one()
            quizzes = conn.execute(select(QuizFigures.quiz_id, QuizFigures.attempts, QuizFigures.best,
                                          QuizFigures.passed, QuizFigures.submitted)
                                   .where(QuizFigures.enrolment_id == t["enrolment_id"])
                                   .order_by(QuizFigures.quiz_id)).all()
        return {"enrolment": tuple(_plain(v) for v in enrolment),
                "quizzes": [tuple(_plain(v) for v in row) for row in quizzes]}

    def reset(self) -> None:
        """Take away what the current target's turn wrote and give its enrolment back its columns."""
        from lms.audit.models import AuditEvent
        from lms.learning.models import Certificate, Enrolment
        from lms.quizzes.models import AttemptAnswer, QuizAttempt

        db.session.remove()
        t = self.target
        mine = select(QuizAttempt.id).where(QuizAttempt.enrolment_id == t["enrolment_id"],
                                            QuizAttempt.id > self.first["attempt"])
        with self.engine.begin() as conn:
            conn.execute(delete(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(mine)))
            conn.execute(delete(QuizAttempt).where(QuizAttempt.id.in_(mine)))
            conn.execute(delete(Certificate).where(Certificate.enrolment_id == t["enrolment_id"],
                                                   Certificate.id > self.first["certificate"]))
            conn.execute(delete(AuditEvent).where(AuditEvent.id > self.state["audit"],
                                                  AuditEvent.target_type == "enrolments",
                                                  AuditEvent.target_id == t["enrolment_id"]))
            conn.execute(update(Enrolment).where(Enrolment.id == t["enrolment_id"]).values(**t["before"]))
        figures.refresh([t["enrolment_id"]])  # the attempts went behind the application's back
        db.session.commit()

    def cleanup(self) -> None:
        """After the last repetition (whatever happened): nothing of the workload stays."""
        if self.raw.connection is not None:
            self.raw.close()
        for turn in range(len(self.targets)):
            self.turn = turn
            self.state = {"audit": self.first["audit"]}
            self.reset()


def completing_enrolments(limit: int) -> list[dict]:
    """Up to `limit` current, active enrolments of different generated trainees (signed in as active accounts,
    no run, no waiting list) whose course completes when its final is passed: every live lesson viewed and every
    other live quiz passed, the final not passed, no attempt at it open, and an attempt left."""
    from lms.auth.models import User
    from lms.catalog.models import Course, Lesson
    from lms.institutions.models import Institution
    from lms.learning.models import Enrolment, LessonProgress
    from lms.quizzes.models import Quiz, QuizAttempt

    final = Quiz.__table__.alias("final")
    other = Quiz.__table__.alias("other")
    attempts_at_final = (select(func.count()).select_from(QuizAttempt)
                         .where(QuizAttempt.enrolment_id == Enrolment.id, QuizAttempt.quiz_id == final.c.id)
                         .scalar_subquery())
    lessons = select(func.count()).select_from(Lesson).where(Lesson.course_id == Course.id,
                                                              Lesson.retired.is_(False)).scalar_subquery()
    viewed = (select(func.count()).select_from(LessonProgress).where(LessonProgress.enrolment_id == Enrolment.id)
              .scalar_subquery())
    others = (select(func.count()).select_from(other)
              .where(other.c.course_id == Course.id, other.c.is_final.is_(False), other.c.retired.is_(False))
              .scalar_subquery())
    passed_others = (select(func.count(func.distinct(QuizAttempt.quiz_id))).select_from(QuizAttempt)
                     .join(other, other.c.id == QuizAttempt.quiz_id)
                     .where(QuizAttempt.enrolment_id == Enrolment.id, QuizAttempt.passed.is_(True),
                            other.c.is_final.is_(False)).scalar_subquery())
    final_done = exists().where(QuizAttempt.enrolment_id == Enrolment.id, QuizAttempt.quiz_id == final.c.id,
                                (QuizAttempt.passed.is_(True)) | (QuizAttempt.status == "in_progress"))
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.status, Enrolment.completed_at, Enrolment.started_at,
               Enrolment.last_activity_at, Course.id.label("course_id"), Course.slug, Course.title,
               final.c.id.label("quiz_id"), User.name, Institution.name.label("institution_name"),
               User.institution_id, Course.certificate_validity_months)
        .join(User, User.id == Enrolment.user_id).join(Institution, Institution.id == User.institution_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(final, and_(final.c.course_id == Course.id, final.c.is_final.is_(True), final.c.retired.is_(False)))
        .where(Enrolment.is_current.is_(True), Enrolment.status == "active", Enrolment.waiting_since.is_(None),
               Enrolment.run_id.is_(None), User.role == "trainee", User.active.is_(True),
               User.email != sizes.BENCH_TRAINEE, ~final_done, viewed == lessons, passed_others == others,
               (final.c.attempts_allowed == 0) | (attempts_at_final < final.c.attempts_allowed))
        .order_by(Enrolment.id).limit(limit * 20)).all()
    db.session.remove()
    chosen, users = [], set()
    for r in rows:
        if r.user_id in users:
            continue
        users.add(r.user_id)
        chosen.append({"enrolment_id": r.id, "user_id": r.user_id, "course_id": r.course_id, "course_slug": r.slug,
                       "course_title": r.title, "quiz_id": r.quiz_id, "holder_name": r.name,
                       "institution_name": r.institution_name, "institution_id": r.institution_id,
                       "validity_months": r.certificate_validity_months,
                       "before": {"status": r.status, "completed_at": r.completed_at, "started_at": r.started_at,
                                  "last_activity_at": r.last_activity_at}})
        if len(chosen) == limit:
            break
    return chosen
