"""The trainee's pages issue the same number of SQL statements whatever the size of the data:
measured on the tiny data set, then on a larger one (more institutions, trainees, courses and
enrolments), for the catalogue, course, lesson, quiz and my-learning pages."""
from __future__ import annotations

import pytest

from tests.bench.conftest import ANCHOR

pytestmark = pytest.mark.db

# The statements of each page on a later visit by the signed-in trainee, on SQLite and PostgreSQL alike: the
# signed-in account (read once, with its sign-in session and institution: lms.auth.queries) and the page's own
# reads. A change here is a change of every page's cost: say why in the commit. The bench's course is self-paced:
# whether it has runs, sessions, announcements or availability conditions is asked in the course's own statement,
# and none of them is read (a course that has them reads each: tests/learning/test_visit_questions.py). The quiz
# page asks in its own statement whether the quiz has conditions and how large its bank is (5 statements before);
# my learning asks in its enrolments' statement whether the trainee has earlier cycles' certificates and any session
# (6 before); the catalogue reads its courses and their language versions in one statement (2 before).
PINNED = {"catalogue page": 2, "course page": 3, "lesson page": 2, "quiz page": 3, "my learning page": 3}


def _query_counts(app, db) -> dict[str, int]:
    from bench import sizes
    from bench.client import BenchClient
    from bench.measure import counting
    from bench.workloads import find_context, page_urls

    context = find_context(app)
    client = BenchClient(app).sign_in(sizes.BENCH_TRAINEE, sizes.BENCH_PASSWORD)
    counts = {}
    for name, url in page_urls(context).items():
        client.page(url)  # the first visit may write (a lesson's first view); count a later one
        with counting(db.engine) as counter:
            client.page(url)
        counts[name] = counter.count
    return counts


def test_pages_issue_the_same_number_of_queries_at_two_sizes(app, db):
    from bench.generator import generate
    from bench.sizes import SIZES, Size

    generate(db.engine, SIZES["tiny"], seed=3, anchor=ANCHOR, out=lambda _line: None)
    small = _query_counts(app, db)
    db.session.remove()
    larger = Size("tiny-x4", institutions=5, trainees=160, courses=12, enrolments_per_trainee=6)
    generate(db.engine, larger, seed=3, anchor=ANCHOR, force=True, out=lambda _line: None)
    from lms.learning.models import Enrolment

    assert db.session.query(Enrolment).count() > 4 * 100
    assert _query_counts(app, db) == small
    assert set(small) == {"catalogue page", "course page", "lesson page", "quiz page", "my learning page"}
    assert small == PINNED, small
