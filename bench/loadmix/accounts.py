"""The load mix's accounts and what it leaves behind.

Virtual trainees are generated trainees with a current enrolment that is in progress or not started (not
waiting for a place, not withdrawn) in a published course; those who read in English (their own language
unset or English), so that every review's figures are read in one format. The sign-in storm takes the next
generated trainees. Generated trainees have no password: before the run they are given one through the
product's own hashing function (hashed once, as the generator does for the bench accounts: every sign-in
still checks it at full cost), and afterwards their accounts are put back as they were.

Clean-up, as the other workloads do it: every row with an id above the largest before the run is deleted
from each table that grew (attempts and their answers, lesson views, completions' certificates, sign-in
sessions, audit events, mail...), children first; the trainees' enrolments (completion, activity dates) and
accounts (password, last sign-in) get their columns back from a copy taken before.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, delete, func, select, update
from sqlalchemy.engine import Engine

from bench import content, sizes

# The password every virtual trainee signs in with (the bench accounts' own).
PASSWORD = sizes.BENCH_PASSWORD


@dataclass
class Course:
    """What a virtual trainee needs to know of its course: slugs of its lessons and of the quizzes it may
    take again and again (a quiz with a limit of attempts would run out in a long run), and the right and a
    wrong answer of every question of those quizzes by slug, as form values."""

    id: int
    slug: str
    lessons: list[str]
    quizzes: list[tuple[int, str]]  # id and slug
    key: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


@dataclass
class Trainee:
    """A virtual trainee: an account and the enrolment it learns in."""

    user_id: int
    email: str
    enrolment_id: int
    course: Course
    quizzes: list[str]  # the slugs of the course's quizzes it takes (none with an attempt of its open)


@dataclass
class Accounts:
    """The accounts of one run and the state to put back afterwards."""

    trainees: list[Trainee]
    storm: list[str]  # emails of the sign-in storm's accounts
    users: list[dict] = field(default_factory=list)  # id, password_hash, last_login_at as they were
    enrolments: list[dict] = field(default_factory=list)  # the trainees' enrolments as they were
    highest_ids: dict[str, int] = field(default_factory=dict)  # table -> largest id before the run


def _form_values(response) -> list[str]:
    """A response as `parse_responses` stores it, as the form sends it."""
    if isinstance(response, list):
        return [str(v) for v in response]
    if isinstance(response, bool):
        return ["true" if response else "false"]
    return [str(response)]


def _courses(conn, tables, course_ids: set[int]) -> dict[int, Course]:
    courses, lessons, quizzes, questions, choices = (tables[t] for t in (
        "courses", "lessons", "quizzes", "questions", "choices"))
    found = {row.id: Course(row.id, row.slug, [], []) for row in conn.execute(
        select(courses.c.id, courses.c.slug).where(courses.c.id.in_(course_ids)))}
    for row in conn.execute(select(lessons.c.course_id, lessons.c.slug).where(
            lessons.c.course_id.in_(course_ids), lessons.c.retired.is_(False)).order_by(lessons.c.id)):
        found[row.course_id].lessons.append(row.slug)
    quiz_ids = {}
    for row in conn.execute(select(quizzes.c.id, quizzes.c.course_id, quizzes.c.slug).where(
            quizzes.c.course_id.in_(course_ids), quizzes.c.retired.is_(False), quizzes.c.attempts_allowed == 0)
            .order_by(quizzes.c.id)):
        found[row.course_id].quizzes.append((row.id, row.slug))
        quiz_ids[row.id] = row.course_id
    items = {}
    for row in conn.execute(select(questions).where(questions.c.quiz_id.in_(quiz_ids))):
        items[row.id] = (quiz_ids[row.quiz_id], row.slug, {
            "kind": row.kind, "choices": [], "answer": row.true_false_answer, "value": row.numeric_answer})
    for row in conn.execute(select(choices.c.question_id, choices.c.id, choices.c.correct).where(
            choices.c.question_id.in_(items)).order_by(choices.c.position)):
        items[row.question_id][2]["choices"].append({"id": row.id, "correct": row.correct})
    for course_id, slug, item in items.values():
        right, wrong = content.right_and_wrong(item)
        found[course_id].key[slug] = (_form_values(right), _form_values(wrong))
    return found


def choose(engine: Engine, trainees: int, storm: int) -> Accounts:
    """The first `trainees` generated trainees that can take quizzes (see the module's note), each with
    its earliest such enrolment, and `storm` more trainees for the sign-in storm. RuntimeError when the
    data set has too few."""
    from lms.extensions import db

    tables = db.metadata.tables
    users, enrolments, courses = tables["users"], tables["enrolments"], tables["courses"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.email, enrolments.c.id.label("enrolment_id"), enrolments.c.course_id)
            .join(enrolments, enrolments.c.user_id == users.c.id)
            .join(courses, courses.c.id == enrolments.c.course_id)
            .where(users.c.role == "trainee", users.c.active.is_(True), users.c.email != sizes.BENCH_TRAINEE,
                   func.coalesce(users.c.locale, "en") == "en", enrolments.c.is_current.is_(True),
                   enrolments.c.status == "active", enrolments.c.waiting_since.is_(None),
                   courses.c.status == "published")
            .order_by(users.c.id, enrolments.c.id).limit(trainees * 20 + 100)).all()
        course_of = _courses(conn, tables, {row.course_id for row in rows})
        # A quiz the trainee has an attempt open at is left out: the run would close a generated attempt
        # (its deadline passed long ago), which the clean-up cannot put back.
        attempts = tables["quiz_attempts"]
        open_at = {(row.enrolment_id, row.quiz_id) for row in conn.execute(
            select(attempts.c.enrolment_id, attempts.c.quiz_id).where(
                attempts.c.enrolment_id.in_([row.enrolment_id for row in rows]), attempts.c.status == "in_progress"))}
        chosen: dict[int, Trainee] = {}
        for row in rows:
            course = course_of[row.course_id]
            quizzes = [slug for quiz_id, slug in course.quizzes if (row.enrolment_id, quiz_id) not in open_at]
            if len(chosen) < trainees and row.id not in chosen and quizzes and course.lessons:
                chosen[row.id] = Trainee(row.id, row.email, row.enrolment_id, course, quizzes)
        if len(chosen) < trainees:
            raise RuntimeError(f"the data set has {len(chosen)} trainees who can take quizzes, "
                               f"{trainees} were asked for: generate a larger size")
        others = conn.execute(
            select(users.c.email).where(users.c.role == "trainee", users.c.active.is_(True),
                                        users.c.email != sizes.BENCH_TRAINEE, users.c.id.not_in(list(chosen)))
            .order_by(users.c.id).limit(storm)).scalars().all()
        if len(others) < storm:
            raise RuntimeError(f"the data set has {len(others)} more trainees for the sign-in storm, {storm} were asked for")
    return Accounts(list(chosen.values()), list(others))


def _id_tables():
    """Every table of the schema whose primary key is an integer `id`, parents first."""
    from lms.extensions import db

    return [t for t in db.metadata.sorted_tables
            if "id" in t.c and t.c.id.primary_key and isinstance(t.c.id.type, Integer)]


def prepare(engine: Engine, accounts: Accounts) -> None:
    """Copy what the run will change, then give every account of the run the password."""
    from lms.core.security import hash_password
    from lms.extensions import db

    users, enrolments = db.metadata.tables["users"], db.metadata.tables["enrolments"]
    emails = [t.email for t in accounts.trainees] + accounts.storm
    password_hash = hash_password(PASSWORD)
    with engine.begin() as conn:
        accounts.highest_ids = {t.name: conn.execute(select(func.max(t.c.id))).scalar() or 0 for t in _id_tables()}
        accounts.users = [dict(row._mapping) for row in conn.execute(
            select(users.c.id, users.c.password_hash, users.c.last_login_at).where(users.c.email.in_(emails)))]
        accounts.enrolments = [dict(row._mapping) for row in conn.execute(
            select(enrolments).where(enrolments.c.id.in_([t.enrolment_id for t in accounts.trainees])))]
        conn.execute(update(users).where(users.c.email.in_(emails)).values(password_hash=password_hash))


def clean_up(engine: Engine, accounts: Accounts) -> dict[str, int]:
    """Delete what the run wrote and put the accounts and enrolments back; returns the rows deleted per table."""
    from lms.extensions import db
    from lms.jobs.queue import huey
    from lms.learning import figures

    users, enrolments = db.metadata.tables["users"], db.metadata.tables["enrolments"]
    deleted = {}
    with engine.begin() as conn:
        for table in reversed(_id_tables()):
            before = accounts.highest_ids.get(table.name)
            if before is None:
                continue
            count = conn.execute(delete(table).where(table.c.id > before)).rowcount
            if count:
                deleted[table.name] = count
        if accounts.users:
            conn.execute(update(users).where(users.c.id == bindparam("user_id")).values(
                password_hash=bindparam("password_hash"), last_login_at=bindparam("last_login_at")),
                [{"user_id": u["id"], "password_hash": u["password_hash"], "last_login_at": u["last_login_at"]}
                 for u in accounts.users])
        if accounts.enrolments:
            columns = [c for c in accounts.enrolments[0] if c != "id"]
            conn.execute(update(enrolments).where(enrolments.c.id == bindparam("enrolment_id")).values(
                {c: bindparam(c) for c in columns}),
                [{"enrolment_id": e["id"], **{c: e[c] for c in columns}} for e in accounts.enrolments])
    # The kept figures of the trainees' enrolments, counted again from the rows as they are now (their
    # attempts and views went behind the application's back).
    figures.refresh([e["id"] for e in accounts.enrolments])
    db.session.commit()
    huey.flush()  # jobs the run queued for rows just deleted (no worker of the bench runs them)
    return deleted
