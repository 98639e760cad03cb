"""The quiz's POSTs through the web, as several trainees: start, save, and submit (passing and failing).

Each request goes through the app as a browser sends it (Flask's test client, a CSRF token, the session
of one of `TRAINEES` generated trainees in turn): starting the 20-question final of one of their courses,
saving all 20 answers (they go to the database as the web saves them), and submitting, which grades the
answers read back from the database. A passing submission (15 of 20 right) also runs the completion check
and issues the certificate: the trainees' enrolments are chosen so that passing the final completes the
course (every lesson viewed, every other quiz passed). A failing one has 10 of 20 right. What a request
needs before it (the attempt started, the answers saved) is done untimed through the web too.

Each floor is the fastest way to give the same result by hand: the request received (a POST of the bare route,
`bench.app`, with the same session and CSRF check as the quiz's forms, answered with a constant), then the rows the
request writes, with one statement each (an executemany for the 20 answers) in one transaction, on a raw DB-API
connection (`bench.quizcrowd.RawWriter`), with every value prepared beforehand (the floor neither reads nor
grades). The rows include the figures the reports read, kept on the enrolment and per quiz (`lms.learning.figures`):
the floor sets them, in the enrolment's UPDATE and one upsert of the final's row, to the values the request of the
same pair wrote (until 2026-12-07 the floors left them out and the comparison did not look at them, so a floor did
less than its request). The bare POST alone costs about as much as the raw statements (it is the floor of any form),
so a floor without it would measure the web against no web at all. After each pair, untimed, the rows the request
wrote and the rows the floor wrote are compared (`QuizCrowd.snapshot`; a difference fails the workload), and both
are taken away again, so every repetition starts from the same data.
"""
from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench import sizes
from bench.measure import Workload
from bench.quizcrowd import ATTEMPT_URL, TRAINEES, QuizCrowd, responses_for
from lms.learning.figures import KEPT

PASSING_RIGHT, FAILING_RIGHT = 15, 10  # of 20, with a pass mark of 70 %
# The enrolment's kept figures, each set to the value the request wrote (`kept_values`).
KEPT_SET = ", ".join(f"{name} = %s" for name in KEPT)


def _same(product: dict, floor: dict) -> None:
    if product != floor:
        differing = [key for key in product if product[key] != floor.get(key)]
        raise AssertionError(f"the request and the floor wrote different rows ({', '.join(differing)}): "
                             f"{ {k: product[k] for k in differing} } / { {k: floor.get(k) for k in differing} }"[:600])


def quiz_web_workloads(context, repeat: int, trainees: int = TRAINEES) -> list[Workload]:
    """Start, save, submit passing, submit failing: each a POST through the app against its hand-written floor."""
    crowd = QuizCrowd(context, trainees)
    raw = crowd.raw
    compared: dict = {}

    def keep(side: str):
        def step():
            if side == "product":
                crowd.state["written"] = crowd.kept()  # the figures the floor of the same pair writes
            compared[side] = crowd.snapshot()
            crowd.reset()
            if side == "floor":
                raw.close()
        return step

    def check(_value, _floor_value):
        _same(compared.pop("product"), compared.pop("floor"))

    # The final's row of the kept figures per quiz, as the request wrote it: a new row, or the one of earlier attempts.
    figures_sql = raw.sql("INSERT INTO quiz_figures (enrolment_id, quiz_id, attempts, best, passed, submitted) "
                          "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (enrolment_id, quiz_id) DO UPDATE SET "
                          "attempts = excluded.attempts, best = excluded.best, passed = excluded.passed, "
                          "submitted = excluded.submitted")

    # Start --------------------------------------------------------------------------------------------------
    def start_setup():
        crowd.next_turn()
        crowd.state["form"] = crowd.start_form()

    def start_run():
        response = crowd.target["trainee"].client.post(crowd._quiz_url() + "/start", data=crowd.state["form"])
        if response.status_code != 302 or not ATTEMPT_URL.search(response.headers.get("Location", "")):
            raise RuntimeError(f"starting the final answered {response.status_code}")

    def start_floor_setup():
        t, now = crowd.target, datetime.now(UTC)
        crowd.state["audit"] = crowd._max_audit()
        draw = crowd.draws.get(t["quiz_id"])
        if draw is None:  # the first pair: the request drew the questions, the floor keeps the same snapshot
            crowd.draw(crowd.web_start())
            crowd.reset()
            draw = crowd.draws[t["quiz_id"]]
        crowd.state["params"] = (t["quiz_id"], t["enrolment_id"], t["user_id"], t["enrolment_id"], t["quiz_id"],
                                 raw.moment(now), raw.moment(now + timedelta(minutes=sizes.FINAL_TIME_LIMIT_MINUTES)),
                                 json.dumps(draw), secrets.token_urlsafe(16)[:22], raw.moment(now), raw.moment(now),
                                 t["enrolment_id"])
        crowd.state["kept"] = kept_values()
        crowd.ready_bare_post()
        raw.open()

    def kept_values(certificate_expiry=None) -> tuple[tuple, tuple]:
        """The kept figures the request of the same pair wrote (the floor neither reads nor counts): the
        enrolment's, in `KEPT`'s order (the best expiry the floor's own certificate's, when the request issued
        one), and the final's row of `QuizFigures`."""
        written = crowd.state["written"]
        enrolment = dict(zip(KEPT, written["enrolment"], strict=True))
        if certificate_expiry is not None and enrolment["certificate_best_expiry"] is not None:
            enrolment["certificate_best_expiry"] = certificate_expiry
        [quiz_row] = [row for row in written["quizzes"] if row[0] == crowd.target["quiz_id"]]
        return (tuple(raw.value(v) for v in enrolment.values()),
                (crowd.target["enrolment_id"], *(raw.value(v) for v in quiz_row)))

    start_sql = (raw.sql("INSERT INTO quiz_attempts (quiz_id, enrolment_id, user_id, number, status, started_at, "
                         "deadline_at, draw, token) VALUES (%s, %s, %s, (SELECT count(*) + 1 FROM quiz_attempts "
                         "WHERE enrolment_id = %s AND quiz_id = %s), 'in_progress', %s, %s, %s::json, %s)"),
                 raw.sql("UPDATE enrolments SET started_at = coalesce(started_at, %s), last_activity_at = %s "
                         "WHERE id = %s"),
                 raw.sql(f"UPDATE enrolments SET started_at = coalesce(started_at, %s), last_activity_at = %s, "
                         f"{KEPT_SET} WHERE id = %s"))

    def start_floor():
        crowd.bare_post()
        cursor = raw.connection.cursor()
        p, (enrolment, quiz_row) = crowd.state["params"], crowd.state["kept"]
        cursor.execute(start_sql[0], p[:9])
        cursor.execute(figures_sql, quiz_row)
        cursor.execute(start_sql[2], (*p[9:11], *enrolment, p[11]))
        raw.connection.commit()

    # Save ---------------------------------------------------------------------------------------------------
    def save_setup():
        crowd.next_turn()
        attempt_id = crowd.web_start()
        crowd.state["form"] = crowd.save_form(attempt_id, PASSING_RIGHT)

    def save_run():
        crowd.web_save(crowd.state["attempt_id"], crowd.state["form"])

    def save_floor_setup():
        crowd.state["audit"] = crowd._max_audit()
        attempt_id = crowd.web_start()
        now = datetime.now(UTC)
        draw = crowd.draw(attempt_id)
        responses = responses_for(draw, PASSING_RIGHT)
        crowd.state["rows"] = [(attempt_id, item["question_id"], item["slug"], json.dumps(responses[item["slug"]]),
                                raw.moment(now)) for item in draw]
        crowd.state["touch"] = (raw.moment(now), raw.moment(now), crowd.target["enrolment_id"])
        crowd.ready_bare_post()
        raw.open()

    save_sql = (raw.sql("INSERT INTO attempt_answers (attempt_id, question_id, question_slug, response, saved_at) "
                        "VALUES (%s, %s, %s, %s::json, %s)"), start_sql[1])

    def save_floor():
        crowd.bare_post()
        cursor = raw.connection.cursor()
        cursor.executemany(save_sql[0], crowd.state["rows"])
        cursor.execute(save_sql[1], crowd.state["touch"])
        raw.connection.commit()

    # Submit -------------------------------------------------------------------------------------------------
    def submit_setup(right: int):
        def setup():
            crowd.next_turn()
            attempt_id = crowd.web_start()
            crowd.web_save(attempt_id, crowd.save_form(attempt_id, right))
        return setup

    def submit_run():
        crowd.web_submit(crowd.state["attempt_id"])

    def submit_floor_setup(right: int):
        def setup():
            from lms.learning.services import add_months
            from lms.quizzes import grading
            from lms.quizzes.models import AttemptAnswer

            t = crowd.target
            crowd.state["audit"] = crowd._max_audit()
            attempt_id = crowd.web_start()
            crowd.web_save(attempt_id, crowd.save_form(attempt_id, right))
            draw = crowd.draw(attempt_id)
            with crowd.engine.begin() as conn:  # ends with COMMIT (QuizCrowd.snapshot says why)
                ids = dict(conn.execute(select(AttemptAnswer.question_slug, AttemptAnswer.id)
                                        .where(AttemptAnswer.attempt_id == attempt_id)).all())
            result = grading.grade_draw(draw, crowd.state["responses"], sizes.PASS_MARK)
            moment = datetime.now(UTC)
            now = raw.moment(moment)
            crowd.state["answers"] = [(raw.number(result["points"][slug]), result["correct"][slug], ids[slug])
                                      for slug in ids]
            crowd.state["attempt"] = (now, raw.number(result["score"]), raw.number(result["max_score"]),
                                      raw.number(result["percent"]), result["passed"], attempt_id)
            if result["passed"]:
                months = t["validity_months"]
                expiry = raw.moment(add_months(moment, months)) if months else None
                enrolment, crowd.state["quiz figures"] = kept_values(expiry)
                crowd.state["enrolment"] = (now, now, now, *enrolment, t["enrolment_id"])
                crowd.state["certificate"] = (
                    secrets.token_urlsafe(16), t["enrolment_id"], t["user_id"], t["course_id"], t["holder_name"],
                    t["course_title"], t["institution_name"], now, expiry)
                crowd.state["event"] = (now, "enrolment.completed", "enrolments", t["enrolment_id"],
                                        t["institution_id"], json.dumps({"course": t["course_slug"]}))
            else:
                enrolment, crowd.state["quiz figures"] = kept_values()
                crowd.state["enrolment"] = (now, now, *enrolment, t["enrolment_id"])
            crowd.ready_bare_post()
            raw.open()
        return setup

    submit_sql = {
        "answers": raw.sql("UPDATE attempt_answers SET points = %s, correct = %s WHERE id = %s"),
        "attempt": raw.sql("UPDATE quiz_attempts SET status = 'submitted', submitted_at = %s, score = %s, "
                           "max_score = %s, percent = %s, passed = %s WHERE id = %s AND status = 'in_progress'"),
        "completed": raw.sql("UPDATE enrolments SET status = 'completed', completed_at = %s, "
                             f"started_at = coalesce(started_at, %s), last_activity_at = %s, {KEPT_SET} WHERE id = %s"),
        "touch": start_sql[2],
        "certificate": raw.sql("INSERT INTO certificates (code, enrolment_id, user_id, course_id, holder_name, "
                               "course_title, institution_name, issued_at, expires_at) "
                               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"),
        "event": raw.sql("INSERT INTO audit_events (created_at, action, target_type, target_id, institution_id, "
                         "details) VALUES (%s, %s, %s, %s, %s, %s::json)"),
    }

    def submit_floor():
        crowd.bare_post()
        cursor = raw.connection.cursor()
        state = crowd.state
        cursor.executemany(submit_sql["answers"], state["answers"])
        cursor.execute(submit_sql["attempt"], state["attempt"])
        if "certificate" in state:
            cursor.execute(submit_sql["completed"], state["enrolment"])
            cursor.execute(submit_sql["certificate"], state["certificate"])
            cursor.execute(submit_sql["event"], state["event"])
        else:
            cursor.execute(submit_sql["touch"], state["enrolment"])
        cursor.execute(figures_sql, state["quiz figures"])
        raw.connection.commit()

    note = f"{len(crowd.targets)} trainees in turn"
    # The warm-up takes every trainee once: their courses differ in completion rule and certificate, and the first
    # request of each kind in the process compiles its own statements (`bench.measure`).
    common = {"after": keep("product"), "floor_after": keep("floor"), "check": check, "note": note,
              "cleanup": crowd.cleanup, "warm_up": len(crowd.targets)}
    return [
        Workload("quiz start (final, 20 questions)", start_run, start_floor, "bare POST, raw 2 INSERTs + UPDATE",
                 repeat, setup=start_setup, floor_setup=start_floor_setup, **common),
        Workload("quiz save (20 answers)", save_run, save_floor, "bare POST, raw executemany + UPDATE", repeat,
                 setup=save_setup, floor_setup=save_floor_setup, **common),
        Workload("quiz submit, passing (20, certificate)", submit_run, submit_floor,
                 "bare POST, raw 3 UPDATEs + 3 INSERTs", repeat, setup=submit_setup(PASSING_RIGHT),
                 floor_setup=submit_floor_setup(PASSING_RIGHT), **common),
        Workload("quiz submit, failing (20 questions)", submit_run, submit_floor,
                 "bare POST, raw executemany + 2 UPDATEs + INSERT", repeat, setup=submit_setup(FAILING_RIGHT),
                 floor_setup=submit_floor_setup(FAILING_RIGHT), **common),
    ]
