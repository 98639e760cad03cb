"""The quiz's POSTs through the web, as several trainees: start, save, and submit (passing and failing).

Each request goes through the app as a browser sends it (Flask's test client, a CSRF token, the session
of one of `TRAINEES` generated trainees in turn): starting the 20-question final of one of their courses,
saving all 20 answers (they go to the database as the web saves them), and submitting, which grades the
answers read back from the database. A passing submission (15 of 20 right) also runs the completion check
and issues the certificate: the trainees' enrolments are chosen so that passing the final completes the
course (every lesson viewed, every other quiz passed). A failing one has 10 of 20 right. What a request
needs before it (the attempt started, the answers saved) is done untimed through the web too.

Each floor is the fastest way to write the same result by hand: the rows the request writes, with one
statement each (an executemany for the 20 answers) in one transaction, on a raw DB-API connection
(`bench.quizcrowd.RawWriter`), with every value prepared beforehand (the floor neither reads nor grades). After each pair,
untimed, the rows the request wrote and the rows the floor wrote are compared (`QuizCrowd.snapshot`; a
difference fails the workload), and both are taken away again, so every repetition starts from the same data.
"""
from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench import sizes
from bench.measure import Workload
from bench.quizcrowd import ATTEMPT_URL, TRAINEES, QuizCrowd, responses_for

PASSING_RIGHT, FAILING_RIGHT = 15, 10  # of 20, with a pass mark of 70 %


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
            compared[side] = crowd.snapshot()
            crowd.reset()
            if side == "floor":
                raw.close()
        return step

    def check(_value, _floor_value):
        _same(compared.pop("product"), compared.pop("floor"))

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
        raw.open()

    start_sql = (raw.sql("INSERT INTO quiz_attempts (quiz_id, enrolment_id, user_id, number, status, started_at, "
                         "deadline_at, draw, token) VALUES (%s, %s, %s, (SELECT count(*) + 1 FROM quiz_attempts "
                         "WHERE enrolment_id = %s AND quiz_id = %s), 'in_progress', %s, %s, %s::json, %s)"),
                 raw.sql("UPDATE enrolments SET started_at = coalesce(started_at, %s), last_activity_at = %s "
                         "WHERE id = %s"))

    def start_floor():
        cursor = raw.connection.cursor()
        p = crowd.state["params"]
        cursor.execute(start_sql[0], p[:9])
        cursor.execute(start_sql[1], p[9:])
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
        raw.open()

    save_sql = (raw.sql("INSERT INTO attempt_answers (attempt_id, question_id, question_slug, response, saved_at) "
                        "VALUES (%s, %s, %s, %s::json, %s)"), start_sql[1])

    def save_floor():
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
            with crowd.engine.connect() as conn:
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
                crowd.state["enrolment"] = (now, now, now, t["enrolment_id"])
                crowd.state["certificate"] = (
                    secrets.token_urlsafe(16), t["enrolment_id"], t["user_id"], t["course_id"], t["holder_name"],
                    t["course_title"], t["institution_name"], now,
                    raw.moment(add_months(moment, months)) if months else None)
                crowd.state["event"] = (now, "enrolment.completed", "enrolments", t["enrolment_id"],
                                        t["institution_id"], json.dumps({"course": t["course_slug"]}))
            else:
                crowd.state["enrolment"] = (now, now, t["enrolment_id"])
            raw.open()
        return setup

    submit_sql = {
        "answers": raw.sql("UPDATE attempt_answers SET points = %s, correct = %s WHERE id = %s"),
        "attempt": raw.sql("UPDATE quiz_attempts SET status = 'submitted', submitted_at = %s, score = %s, "
                           "max_score = %s, percent = %s, passed = %s WHERE id = %s AND status = 'in_progress'"),
        "completed": raw.sql("UPDATE enrolments SET status = 'completed', completed_at = %s, "
                             "started_at = coalesce(started_at, %s), last_activity_at = %s WHERE id = %s"),
        "touch": start_sql[1],
        "certificate": raw.sql("INSERT INTO certificates (code, enrolment_id, user_id, course_id, holder_name, "
                               "course_title, institution_name, issued_at, expires_at) "
                               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"),
        "event": raw.sql("INSERT INTO audit_events (created_at, action, target_type, target_id, institution_id, "
                         "details) VALUES (%s, %s, %s, %s, %s, %s::json)"),
    }

    def submit_floor():
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
        raw.connection.commit()

    note = f"{len(crowd.targets)} trainees in turn"
    common = {"after": keep("product"), "floor_after": keep("floor"), "check": check, "note": note,
              "cleanup": crowd.cleanup}
    return [
        Workload("quiz start (final, 20 questions)", start_run, start_floor, "raw INSERT + UPDATE, 1 transaction",
                 repeat, setup=start_setup, floor_setup=start_floor_setup, **common),
        Workload("quiz save (20 answers)", save_run, save_floor, "raw executemany + UPDATE, 1 tr.", repeat,
                 setup=save_setup, floor_setup=save_floor_setup, **common),
        Workload("quiz submit, passing (20, certificate)", submit_run, submit_floor,
                 "raw 3 UPDATEs + 2 INSERTs, 1 tr.", repeat, setup=submit_setup(PASSING_RIGHT),
                 floor_setup=submit_floor_setup(PASSING_RIGHT), **common),
        Workload("quiz submit, failing (20 questions)", submit_run, submit_floor, "raw executemany + 2 UPDATEs, 1 tr.",
                 repeat, setup=submit_setup(FAILING_RIGHT), floor_setup=submit_floor_setup(FAILING_RIGHT),
                 **common),
    ]
