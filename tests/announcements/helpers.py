"""What the tests of announcements share: a course with two runs, trainees in each, and a form's fields."""
from __future__ import annotations

from tests.helpers import make_staff, make_user
from tests.sessions.helpers import a_run, trainees_in


def two_runs(course, world, per_run: int = 2):
    """Two runs of the course with `per_run` trainees each, the instructor on the course's staff: (run A, its
    trainees, run B, its trainees)."""
    make_staff(course, world["instructor"], "instructor")
    run_a, run_b = a_run(course, world["admin"], "2027-A"), a_run(course, world["admin"], "2027-B")
    return run_a, trainees_in(run_a, world, per_run, "a"), run_b, trainees_in(run_b, world, per_run, "b")


def a_trainer(run, world, email: str = "trainer@example.org"):
    """An instructor made the run's trainer (and so on its course's staff as "trainer")."""
    from lms.sessions import services as sessions

    trainer = make_user(email, "Tamara Trainer", "instructor")
    sessions.add_trainer(run, trainer, world["admin"])
    return trainer


def form(audience, title: str = "Range closed on Friday", body: str = "Meet in **room 4** instead.",
         send_mail: bool = True) -> dict:
    """The fields of the new-announcement form (an unticked box is not sent, as a browser does)."""
    data = {"audience": str(audience), "title": title, "body": body}
    if send_mail:
        data["send_mail"] = "y"
    return data
