"""The bulk enrolment workload: a file of new trainees, each in several courses, planned and
applied through lms.enrolments.services; and its floor, the same rows in one executemany per table.

Each repetition uses new email addresses, and everything it created is deleted afterwards (by id:
the rows with an id above the largest one before the repetition), so the data set is unchanged.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from lms.extensions import db

# The mail a bulk enrolment writes (the new accounts' links, the enrolments' confirmations) goes first: it names
# the accounts.
TABLES = ("mail_attachments", "outbox_messages", "notifications", "enrolments", "password_links", "audit_events",
          "users")


class BulkRun:
    """State shared by the workload's steps."""

    def __init__(self, context, rows: int, course_slugs: list[str]):
        self.context = context
        self.rows = rows
        self.course_slugs = course_slugs
        self.round = 0
        self.before: dict[str, int] = {}
        self.content = b""
        self.floor_rows: dict[str, list[dict]] = {}

    def _institution(self):
        from lms.institutions.models import Institution

        return db.session.scalar(select(Institution).where(Institution.code == self.context.institution_code))

    def _mark(self) -> None:
        from lms.extensions import db as _db

        self.round += 1
        with self.context.engine.connect() as conn:
            self.before = {t: conn.execute(select(func.max(_db.metadata.tables[t].c.id))).scalar() or 0
                           for t in TABLES}

    def _file(self) -> bytes:
        courses = " ".join(self.course_slugs)
        lines = ["email,name,courses"] + [f"bulk{self.round}-{n:05d}@bench.example,Bulk Trainee {n},{courses}"
                                          for n in range(self.rows)]
        return ("\n".join(lines) + "\n").encode()

    def setup(self) -> None:
        self._mark()
        self.content = self._file()

    def run(self) -> int:
        """Plan (the preview), then apply (which plans again and writes), as the pages do."""
        from lms.auth.models import User
        from lms.enrolments import services

        admin = db.session.get(User, self.context.admin_id)
        institution = self._institution()
        plan = services.plan(admin, institution, self.content)
        if not plan.can_apply:
            raise RuntimeError(f"the bulk file was refused: {plan.bad[:1]}")
        return services.apply(admin, institution, self.content, plan.digest).enrolled

    def floor_setup(self) -> None:
        """The rows the service writes, made ready for executemany (accounts get explicit ids)."""
        from lms.catalog.models import Course
        from lms.core import clock
        from lms.core.security import new_token

        self._mark()
        now = clock.now()
        institution = self._institution()
        courses = list(db.session.scalars(select(Course).where(Course.slug.in_(self.course_slugs))))
        admin_id = self.context.admin_id
        users, links, enrolments, events = [], [], [], []
        for n in range(self.rows):
            user_id = self.before["users"] + n + 1
            users.append({"id": user_id, "email": f"bulk{self.round}-{n:05d}@bench.example",
                          "name": f"Bulk Trainee {n}", "role": "trainee", "institution_id": institution.id,
                          "locale": None, "password_hash": None, "active": True, "created_at": now})
            events.append(_event("user.created", admin_id, "users", user_id, institution.id, {"role": "trainee"}, now))
            links.append({"user_id": user_id, "token_hash": new_token()[1], "created_by_id": admin_id,
                          "created_at": now, "expires_at": now + timedelta(hours=72)})
            events.append(_event("auth.password_link_issued", admin_id, "users", user_id, institution.id, {}, now))
            for course in courses:
                enrolments.append({"user_id": user_id, "course_id": course.id, "cycle": 1, "is_current": True,
                                   "source": "bulk", "status": "active", "enrolled_at": now,
                                   "enrolled_by_id": admin_id, "due_at": None})
                events.append(_event("enrolment.created", admin_id, "enrolments", None, institution.id,
                                     {"course": course.slug, "source": "bulk", "cycle": 1}, now))
        events.append(_event("enrolment.bulk", admin_id, None, None, institution.id,
                             {"rows": self.rows, "accounts_created": self.rows,
                              "enrolments_created": len(enrolments), "due_changed": 0}, now))
        self.floor_rows = {"users": users, "password_links": links, "enrolments": enrolments, "audit_events": events}
        db.session.remove()

    def floor(self) -> int:
        from bench.floors import insert_rows
        from lms.extensions import db as _db

        with self.context.engine.begin() as conn:
            for table in ("users", "password_links", "enrolments", "audit_events"):
                insert_rows(conn, _db.metadata.tables[table], self.floor_rows[table])
        return len(self.floor_rows["enrolments"])

    def check(self, enrolled: int, floor_enrolled: int) -> None:
        if enrolled != floor_enrolled:
            raise AssertionError(f"bulk enrolment made {enrolled} enrolments, the floor {floor_enrolled}")

    def cleanup(self) -> None:
        """Delete what the repetition created."""
        from lms.extensions import db as _db

        from lms.jobs.queue import huey

        db.session.remove()
        with self.context.engine.begin() as conn:
            for table in TABLES:
                t = _db.metadata.tables[table]
                conn.execute(delete(t).where(t.c.id > self.before[table]))
        huey.flush()  # the deliveries of the mail just deleted, which no worker of the bench runs


def _event(action, actor_id, target_type, target_id, institution_id, details, now) -> dict:
    return {"action": action, "actor_id": actor_id, "target_type": target_type, "target_id": target_id,
            "institution_id": institution_id, "details": details, "created_at": now}
