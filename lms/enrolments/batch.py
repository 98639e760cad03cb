"""The writes of an applied bulk enrolment plan, in batches: the accounts, their set-password links,
the enrolments and the audit events each go in one executemany (which the driver may send in
pages of rows), not a flush and a few look-ups per line.

The rows are those the one-at-a-time services would write — `people.services.add_user`,
`auth.services.add_password_link`, `learning.services.prepare_enrolment` and `core.audit.record` —
with the same columns, defaults and audit details, and the audit events in the order those would
have recorded them. The plan, made in the same transaction, already knows every account and
current enrolment these services would look up again. The caller commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, inspect, select

from lms.auth.models import PasswordLink, User
from lms.core import audit, clock
from lms.core.permissions import can_assign
from lms.core.security import new_token
from lms.enrolments.services import Plan, PlannedRow, Result
from lms.extensions import db
from lms.learning.models import Enrolment

SOURCE = "bulk"
ROLE = "trainee"


def write(plan: Plan, actor, institution) -> Result:
    """Create the plan's accounts, links and enrolments and record the audit events. The caller commits."""
    now = clock.now()
    accounts = create_accounts(plan.rows, actor, institution)
    tokens = add_password_links(list(accounts.values()), actor, now)
    close_and_change(plan.rows)
    created = add_enrolments(plan.rows, accounts, actor, now)
    result = Result([(accounts[r.email], tokens[accounts[r.email].id]) for r in plan.rows if r.new_account],
                    enrolled=len(created),
                    due_changed=sum(1 for r in plan.rows for e in r.enrolments if e.action == "due"),
                    unchanged=sum(1 for r in plan.rows for e in r.enrolments if e.action == "already"))
    record_events(plan, actor, institution, accounts, created, result)
    return result


def create_accounts(rows: list[PlannedRow], actor, institution) -> dict[str, User]:
    """The new trainee accounts, by email, inserted in one executemany that returns them.

    The plan has already checked what `add_user` checks per account (a valid, unused email; a
    name), except the permission, which is the same for every row, and control characters in
    names, which `add_user` refuses with the same error.
    """
    from lms.people.services import PeopleError

    new = [r for r in rows if r.new_account]
    if not new:
        return {}
    if actor is not None and not can_assign(actor, ROLE, institution.id):
        raise PeopleError("role", "forbidden")
    if any(ord(ch) < 32 for r in new for ch in r.name):
        raise PeopleError("name", "name_invalid")
    values = [{"email": r.email, "name": r.name, "role": ROLE, "institution_id": institution.id, "locale": None,
               "password_hash": None} for r in new]
    # The ORM's bulk insert leaves out None values and sends each set of keys as its own statement:
    # render_nulls keeps it one. (The other tables get Core inserts, without the ORM's work per row;
    # the columns' defaults apply all the same.)
    users = db.session.scalars(insert(User).returning(User), values, execution_options={"render_nulls": True}).all()
    return {u.email: u for u in users}


def add_password_links(users: list[User], actor, now: datetime) -> dict[int, str]:
    """A one-time set-password link for each new account; returns the tokens by user id.

    Only the token's hash is stored, as `add_password_link` does. A new account has no earlier
    link to retire, so there is nothing to look up first.
    """
    if not users:
        return {}
    expires_at = now + timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])
    tokens, values = {}, []
    for user in users:
        token, token_hash = new_token()
        tokens[user.id] = token
        values.append({"user_id": user.id, "token_hash": token_hash, "created_by_id": getattr(actor, "id", None),
                       "created_at": now, "expires_at": expires_at})
    db.session.execute(insert(PasswordLink.__table__), values)
    return tokens


def close_and_change(rows: list[PlannedRow]) -> None:
    """Make history of the completed cycles that start again, and move the due dates that change.

    This is flushed before any new enrolment is inserted: a user has at most one current
    enrolment per course (a unique index), so the old cycle must stop being current first.
    """
    changed = False
    for row in rows:
        for planned in row.enrolments:
            if planned.action == "enrol" and planned.existing is not None:
                planned.existing.is_current = False
                changed = True
            elif planned.action == "due":
                planned.existing.due_at = row.due_at
                changed = True
    if changed:
        db.session.flush()  # the unit of work sends the same-column updates as one executemany


def add_enrolments(rows: list[PlannedRow], accounts: dict[str, User], actor,
                   now: datetime) -> dict[tuple[int, int], tuple[int, int]]:
    """Insert the new enrolments; returns (id, cycle) by (user id, course id) for the audit events."""
    values = []
    for row in rows:
        user_id = (row.user or accounts[row.email]).id
        for planned in row.enrolments:
            if planned.action == "enrol":
                cycle = planned.existing.cycle + 1 if planned.existing is not None else 1
                values.append({"user_id": user_id, "course_id": planned.course.id, "cycle": cycle, "source": SOURCE,
                               "due_at": row.due_at, "enrolled_by_id": getattr(actor, "id", None),
                               "enrolled_at": now})
    if not values:
        return {}
    table = Enrolment.__table__
    returned = db.session.execute(insert(table).returning(table.c.id, table.c.user_id, table.c.course_id,
                                                          table.c.cycle), values)
    # Keyed by (user, course), which the unique index makes one current enrolment: no need for the
    # driver to return the rows in the order they were sent.
    return {(user_id, course_id): (id_, cycle) for id_, user_id, course_id, cycle in returned}


def record_events(plan: Plan, actor, institution, accounts: dict[str, User],
                  created: dict[tuple[int, int], tuple[int, int]], result: Result) -> None:
    """The audit events `audit.record` would have added line by line, in that order, in one executemany."""
    events = []

    def event(action, target_type, target_id, institution_id, **details):
        events.append(audit.event_row(action, actor, target_type, target_id, institution_id, **details))

    for row in plan.rows:
        user = row.user or accounts[row.email]
        if row.new_account:
            event("user.created", "users", user.id, institution.id, role=ROLE)
            event("auth.password_link_issued", "users", user.id, user.institution_id)
        for planned in row.enrolments:
            if planned.action == "enrol":
                enrolment_id, cycle = created[(user.id, planned.course.id)]
                event("enrolment.created", "enrolments", enrolment_id, user.institution_id,
                      course=planned.course.slug, source=SOURCE, cycle=cycle)
            elif planned.action == "due":
                event("enrolment.due_changed", "enrolments", planned.existing.id, user.institution_id,
                      due_at=row.due_at.isoformat())
    event("enrolment.bulk", None, None, institution.id, rows=len(plan.rows), accounts_created=len(result.new_accounts),
          enrolments_created=result.enrolled, due_changed=result.due_changed)
    audit.record_many(events, "bulk enrolment")


def reload_accounts(new_accounts: list[tuple[User, str]]) -> None:
    """Load the new accounts again in one query after the commit expired them, so that listing them
    with their links (the confirmation page) does not load each one on its own."""
    ids = [inspect(user).identity[0] for user, _token in new_accounts]  # reading `user.id` would load it
    if ids:
        db.session.scalars(select(User).where(User.id.in_(ids))).all()
