"""The trainee's pages over many trainees, courses and lessons, each against the bare route.

`TRAINEES` generated trainees sign in (`bench.crowd`), and each repetition is the next one's request:
the catalogue, one of their courses' page, a lesson opened for the first time (which records the view: an
INSERT, the enrolment's activity, the completion check), a lesson opened again (seen a moment before: it
writes nothing), one of their quizzes' page, and their My learning page. So the user loaded, the course
outline, the enrolment and its progress change from one request to the next, as on a site, where one
trainee's one URL in a loop would measure hot caches. Before a workload's first repetition, each of its pages is
opened once, untimed (for a first view, the course's page instead), so that every trainee's course outline is
built: a pair then measures what a trainee's later visits cost, and pairs are alike enough to give a spread.

A first view is taken away after its pair (the progress row deleted, the enrolment's columns given back), so
every repetition opens a lesson never opened; the lessons are chosen in enrolments with two or more lessons
still to view, so that none completes a course. The repeat views' lessons are opened once before the first
repetition; their rows get their earlier values back at the end.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, delete, select, update

from bench import sizes
from bench.app import BARE_PATH
from bench.client import BenchClient
from bench.crowd import sign_in_trainees
from bench.measure import Workload
from lms.extensions import db
from lms.learning import figures

TRAINEES = 50
LESSON_SLUGS = [f"lesson-{m}-{p}" for m in range(1, sizes.MODULES + 1) for p in range(1, sizes.LESSONS_PER_MODULE + 1)]
QUIZ_SLUGS = [f"check-{m}" for m in range(1, sizes.MODULES)] + ["final"]


def crowd_trainees(limit: int) -> list[int]:
    """Generated trainees (active accounts, not the bench trainee) with current enrolments they may learn in."""
    from lms.auth.models import User
    from lms.learning.models import Enrolment

    ids = list(db.session.scalars(
        select(User.id).where(User.role == "trainee", User.active.is_(True), User.email != sizes.BENCH_TRAINEE,
                              select(Enrolment.id).where(Enrolment.user_id == User.id, Enrolment.is_current.is_(True),
                                                         Enrolment.status != "withdrawn",
                                                         Enrolment.waiting_since.is_(None)).exists())
        .order_by(User.id).limit(limit)))
    db.session.remove()
    return ids


def _enrolments(user_ids: list[int]) -> dict[int, list]:
    """Each trainee's current enrolments (id, course id, course slug, status, started and last activity), and
    the lessons each has viewed (slug: id of the progress row)."""
    from lms.catalog.models import Course, Lesson
    from lms.learning.models import Enrolment, LessonProgress

    rows = db.session.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.course_id, Course.slug, Enrolment.status,
               Enrolment.started_at, Enrolment.last_activity_at)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id.in_(user_ids), Enrolment.is_current.is_(True), Enrolment.status != "withdrawn",
               Enrolment.waiting_since.is_(None))
        .order_by(Enrolment.user_id, Enrolment.id)).all()
    viewed = defaultdict(dict)
    for enrolment_id, slug, progress_id, last_viewed in db.session.execute(
            select(LessonProgress.enrolment_id, Lesson.slug, LessonProgress.id, LessonProgress.last_viewed_at)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.enrolment_id.in_([r.id for r in rows]))):
        viewed[enrolment_id][slug] = (progress_id, last_viewed)
    lessons = {(course_id, slug): lesson_id for lesson_id, course_id, slug in db.session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.slug).where(Lesson.course_id.in_({r.course_id for r in rows})))}
    db.session.remove()
    by_user = defaultdict(list)
    for r in rows:
        by_user[r.user_id].append({"id": r.id, "course_id": r.course_id, "slug": r.slug, "status": r.status,
                                   "started_at": r.started_at, "last_activity_at": r.last_activity_at,
                                   "viewed": viewed[r.id], "lessons": {s: lessons.get((r.course_id, s))
                                                                        for s in LESSON_SLUGS}})
    return by_user


class Rotation:
    """The (browser, URL) of each repetition, in turn; `current` is the last one given."""

    def __init__(self, targets: list[tuple]):
        if not targets:
            raise RuntimeError("no trainee of the data set has a page of this kind to open")
        self.targets, self.turn = targets, -1

    @property
    def current(self) -> tuple:
        return self.targets[self.turn % len(self.targets)]

    def next(self) -> tuple:
        self.turn += 1
        return self.current


def crowd_page_workloads(context, repeat: int, trainees: int = TRAINEES) -> list[Workload]:
    """Each page as many trainees in turn, against the bare route of the same app (an anonymous browser)."""
    from lms.learning.models import Enrolment, LessonProgress

    user_ids = crowd_trainees(trainees)
    enrolments = _enrolments(user_ids)
    signed_in = {t.user_id: t.client for t in sign_in_trainees(context.app, user_ids)}
    anonymous = BenchClient(context.app)
    engine = context.engine

    catalogue, course, quiz, my, first, again = [], [], [], [], [], []
    for n, user_id in enumerate(user_ids):
        client, mine = signed_in[user_id], enrolments[user_id]
        catalogue.append((client, "/courses/"))
        my.append((client, "/my"))
        pick = mine[n % len(mine)]
        course.append((client, f"/courses/{pick['slug']}"))
        quiz.append((client, f"/courses/{pick['slug']}/quizzes/{QUIZ_SLUGS[n % len(QUIZ_SLUGS)]}"))
        # A first view in one enrolment, a repeat view in another, so that taking the first views away never
        # makes a repeat view write again.
        fresh = next((e for e in mine if e["status"] == "active"
                      and len([s for s in LESSON_SLUGS if s not in e["viewed"]]) >= 2), None)
        seen = next((e for e in mine if e["viewed"] and e is not fresh), None)
        if fresh is not None:
            slug = next(s for s in LESSON_SLUGS if s not in fresh["viewed"])
            first.append((client, f"/courses/{fresh['slug']}/lessons/{slug}", fresh, fresh["lessons"][slug]))
        if seen is not None:
            slug = next(iter(seen["viewed"]))
            again.append((client, f"/courses/{seen['slug']}/lessons/{slug}", seen, seen["viewed"][slug]))

    def page_workload(name: str, targets: list[tuple], warm: list[tuple] | None = None,
                      **extra) -> tuple[Workload, Rotation]:
        """The workload of `targets` in turn; before its first repetition, every page of `warm` (by default the
        targets themselves) is opened once, untimed, so that each trainee's course outline is built and each
        pair measures the page as its trainee's later visits find it, not the first visit of fifty."""
        rotation = Rotation(targets)
        warm = [(t[0], t[1]) for t in targets] if warm is None else warm

        def setup():
            if rotation.turn < 0:
                for client, url in warm:
                    client.page(url)
            rotation.next()

        def run():
            client, url = rotation.current[:2]
            return client.page(url)

        workload = Workload(name, run, lambda: anonymous.page(BARE_PATH), "bare route", repeat,
                            setup=setup, note=f"{len({id(t[0]) for t in targets})} trainees in turn", **extra)
        return workload, rotation

    def forget_first_view():
        """Take away the view the request just recorded, and the enrolment's activity with it."""
        _client, _url, enrolment, lesson_id = first_views.current
        with engine.begin() as conn:
            conn.execute(delete(LessonProgress).where(LessonProgress.enrolment_id == enrolment["id"],
                                                      LessonProgress.lesson_id == lesson_id))
            conn.execute(update(Enrolment).where(Enrolment.id == enrolment["id"]).values(
                status=enrolment["status"], started_at=enrolment["started_at"],
                last_activity_at=enrolment["last_activity_at"]))
        figures.refresh([enrolment["id"]], attempts=False)  # the view went behind the application's back
        db.session.commit()

    def give_back_repeat_views():
        """The repeat views' progress rows and enrolments as they were before the warm-up view."""
        with engine.begin() as conn:
            conn.execute(update(LessonProgress).where(LessonProgress.id == bindparam("pid"))
                         .values(last_viewed_at=bindparam("seen")),
                         [{"pid": progress[0], "seen": progress[1]} for *_, progress in again])
            conn.execute(update(Enrolment).where(Enrolment.id == bindparam("eid")).values(
                started_at=bindparam("started"), last_activity_at=bindparam("last")),
                [{"eid": e["id"], "started": e["started_at"], "last": e["last_activity_at"]}
                 for _c, _u, e, _p in again])

    # A first view is warmed by its course's page (which builds the outline), never by the lesson itself; a
    # repeat view by the lesson: its view is then the one a moment before.
    firsts, first_views = page_workload("lesson page, first view", first, after=forget_first_view,
                                        warm=[(client, url.rsplit("/lessons/", 1)[0]) for client, url, *_ in first])
    repeats, _repeat_views = page_workload("lesson page, repeat view", again, cleanup=give_back_repeat_views)
    return [page_workload("catalogue page", catalogue)[0], page_workload("course page", course)[0], firsts, repeats,
            page_workload("quiz page", quiz)[0], page_workload("my learning page", my)[0]]
