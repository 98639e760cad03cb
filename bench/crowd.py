"""Many signed-in trainees for the workloads, each with a browser of their own (`BenchClient`).

A page or a quiz measured for one trainee on one URL measures hot caches: the same user row, the same
course outline, the same statements' plans. The workloads here take turns between trainees of the
generated data and their own enrolments. Generated trainees have no password (only the bench accounts
do): for signing in through the sign-in page, as a browser does, the chosen trainees are given the
bench accounts' password hash for the moment of their sign-in, and their own (none) back right after,
so nothing of it outlives the sign-ins whatever happens later. Their sessions stay valid: a session is
not tied to the hash.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update

from bench import sizes
from bench.client import BenchClient
from lms.extensions import db

_CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


@dataclass
class Trainee:
    """A generated trainee signed in through the sign-in page, with the browser that holds the session."""

    user_id: int
    email: str
    client: BenchClient
    token: str | None = field(default=None, repr=False)

    def csrf(self, url: str) -> str:
        """The session's CSRF token (read once from the form on `url`; it lasts as long as the session)."""
        if self.token is None:
            page = self.client.get(url).get_data(as_text=True)
            match = _CSRF.search(page)
            if match is None:
                raise RuntimeError(f"no CSRF token on {url}")
            self.token = match.group(1)
        return self.token


def sign_in_trainees(app, user_ids: list[int]) -> list[Trainee]:
    """Sign these trainees in through the sign-in page, each in a browser of their own."""
    from lms.auth.models import User

    users = db.session.execute(select(User.id, User.email, User.password_hash).where(User.id.in_(user_ids))).all()
    bench_hash = db.session.scalar(select(User.password_hash).where(User.email == sizes.BENCH_TRAINEE))
    lent = [u.id for u in users if u.password_hash is None]
    db.session.remove()
    table = User.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id.in_(lent)).values(password_hash=bench_hash))
    try:
        by_id = {u.id: u.email for u in users}
        trainees = []
        for user_id in user_ids:
            client = BenchClient(app).sign_in(by_id[user_id], sizes.BENCH_PASSWORD)
            trainees.append(Trainee(user_id, by_id[user_id], client))
        return trainees
    finally:
        with db.engine.begin() as conn:  # a sign-in may have rehashed it: lent means given back, whatever it is now
            conn.execute(update(table).where(table.c.id == bindparam("uid")).values(password_hash=None),
                         [{"uid": uid} for uid in lent] or [{"uid": -1}])
