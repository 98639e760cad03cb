"""The writes of an applied bulk enrolment plan, in batches, through the same writers as one account or one
enrolment at a time: `people.services.insert_accounts`, `auth.services.insert_password_links`,
`learning.services.insert_enrolments` and `audit.services.record_many`, with the same columns
(`new_account`, `new_password_link`, `new_enrolment`) and the same audit events (`account_created`,
`password_link_issued`, `enrolment_created`, `due_changed`). Each batch is one executemany (which the
driver may send in pages of rows), not a flush and a few look-ups per line.

The plan, made in the same transaction, already knows every account and current enrolment these
services would look up again. The audit events are written in the order the one-at-a-time services
would have written them, line by line. The caller commits.
"""
from __future__ import annotations

from sqlalchemy import inspect, select

from lms.audit import services as audit
from lms.auth.models import User
from lms.auth.services import insert_password_links, new_password_link, password_link_issued
from lms.core import clock, signals
from lms.enrolments.plans import Plan, PlannedEnrolment, PlannedRow, Result
from lms.extensions import db
from lms.learning.services import (
    check_completion, due_changed, enrolment_created, enrolment_restored, insert_enrolments,
    new_enrolment, placement_columns, reinstate, set_due,
)
from lms.people.services import account_created, clean_name, insert_accounts, new_account

SOURCE = "bulk"
ROLE = "trainee"


def write(plan: Plan, actor, institution) -> Result:
    """Create the plan's accounts, links and enrolments and record the audit events. The caller commits."""
    now = clock.now()
    accounts = create_accounts(plan.rows, institution)
    tokens = {}
    if accounts:
        links = {user.id: new_password_link(user.id, actor, now) for user in accounts.values()}
        insert_password_links([link for _token, link in links.values()])
        tokens = {user_id: token for user_id, (token, _link) in links.items()}
    close_and_change(plan.rows)
    created = add_enrolments(plan.rows, accounts, actor, now)
    if created:  # their confirmations, written in bulk in this unit of work
        signals.enrolled.send("enrolments", enrolment_ids=[id_ for id_, _cycle in created.values()])
    result = Result([(accounts[r.email], tokens[accounts[r.email].id]) for r in plan.rows if r.new_account],
                    enrolled=len(created),
                    restored=sum(1 for r in plan.rows for e in r.enrolments if e.action == "restore"),
                    due_changed=sum(1 for r in plan.rows for e in r.enrolments if e.action == "due"),
                    unchanged=sum(1 for r in plan.rows for e in r.enrolments if e.action == "already"))
    record_events(plan, actor, institution, accounts, created, result)
    return result


def create_accounts(rows: list[PlannedRow], institution) -> dict[str, User]:
    """The new trainee accounts, by email, inserted in one statement that returns them.

    The plan has already checked what `add_user` checks per account (a valid, unused email; a name);
    the name is checked again by the same rule (`clean_name`), which refuses control characters.
    """
    new = [r for r in rows if r.new_account]
    if not new:
        return {}
    values = [new_account(r.email, clean_name(r.name), ROLE, institution.id) for r in new]
    return {u.email: u for u in insert_accounts(values)}


def close_and_change(rows: list[PlannedRow]) -> None:
    """Make history of the completed cycles that start again, and move the due dates that change.

    This is flushed before any new enrolment is inserted: a user has at most one current
    enrolment per course (a unique index), so the old cycle must stop being current first.
    """
    changed = False
    restored = []  # (enrolment id, withdrawn at): what the trainees are told
    for row in rows:
        for planned in row.enrolments:
            if planned.action == "enrol" and planned.existing is not None:
                planned.existing.is_current = False
                changed = True
            elif planned.action == "due":
                set_due(planned.existing, row.due, row.zone)
                changed = True
            elif planned.action == "restore":  # a withdrawn cycle comes back, not a new one
                restored.append((planned.existing.id, planned.existing.withdrawn_at))
                reinstate(planned.existing, row.due_columns_of(planned) if row.due is not None or planned.run
                          else None)
                if planned.run is not None:
                    for column, value in placement_of(planned, clock.now()).items():
                        setattr(planned.existing, column, value)
                changed = True
    if changed:
        db.session.flush()  # the unit of work sends the same-column updates as one executemany
    for row in rows:
        for planned in row.enrolments:
            if planned.action == "restore":
                check_completion(planned.existing, planned.course)  # restored active work may now meet the rule
    if restored:
        signals.enrolments_restored.send("enrolments", restored=restored)  # told in bulk, in this unit of work


def add_enrolments(rows: list[PlannedRow], accounts: dict[str, User], actor,
                   now) -> dict[tuple[int, int], tuple[int, int]]:
    """Insert the new enrolments; returns (id, cycle) by (user id, course id) for the audit events."""
    values = []
    for row in rows:
        user_id = (row.user or accounts[row.email]).id
        for planned in row.enrolments:
            if planned.action == "enrol":
                cycle = planned.existing.cycle + 1 if planned.existing is not None else 1
                values.append(new_enrolment(user_id, planned.course.id, cycle=cycle, source=SOURCE,
                                            due=row.due_columns_of(planned), actor=actor, now=now,
                                            placement=placement_of(planned, now)))
    if not values:
        return {}
    # Keyed by (user, course), which the unique index makes one current enrolment.
    return {(user_id, course_id): (id_, cycle) for id_, user_id, course_id, cycle in insert_enrolments(values)}


def placement_of(planned: PlannedEnrolment, now) -> dict | None:
    """The run columns of a planned enrolment (None: in no run): a place, or the waiting list since `now`."""
    if planned.run is None:
        return None
    return placement_columns(planned.run.id, now if planned.waiting else None)


def record_events(plan: Plan, actor, institution, accounts: dict[str, User],
                  created: dict[tuple[int, int], tuple[int, int]], result: Result) -> None:
    """The audit events the one-at-a-time services would have written line by line, in one executemany."""
    events = []
    for row in plan.rows:
        user = row.user or accounts[row.email]
        if row.new_account:
            events.append(account_created(user, actor))
            events.append(password_link_issued(user, actor))
        for planned in row.enrolments:
            if planned.action == "enrol":
                enrolment_id, cycle = created[(user.id, planned.course.id)]
                events.append(enrolment_created(enrolment_id, user.institution_id, planned.course.slug, SOURCE, cycle,
                                                actor))
            elif planned.action == "due":
                events.append(due_changed(planned.existing.id, user.institution_id, row.due, actor))
            elif planned.action == "restore":
                events.append(enrolment_restored(planned.existing.id, user.institution_id, planned.course.slug,
                                                 planned.existing.cycle, actor))
            if planned.takes_place:
                enrolment_id = (created[(user.id, planned.course.id)][0] if planned.action == "enrol"
                                else planned.existing.id)
                events.append(audit.event_row("run.joined", actor, "enrolments", enrolment_id, user.institution_id,
                                              course=planned.course.slug, run=planned.run.code,
                                              waiting=planned.waiting))
    events.append(audit.event_row("enrolment.bulk", actor, None, None, institution.id, rows=len(plan.rows),
                                  accounts_created=len(result.new_accounts), enrolments_created=result.enrolled,
                                  due_changed=result.due_changed,
                                  **({"enrolments_restored": result.restored} if result.restored else {})))
    audit.record_many(events, "bulk enrolment")


def reload_accounts(new_accounts: list[tuple[User, str]]) -> None:
    """Load the new accounts again in one query after the commit expired them, so that listing them
    with their links (the confirmation page) does not load each one on its own."""
    ids = [inspect(user).identity[0] for user, _token in new_accounts]  # reading `user.id` would load it
    if ids:
        db.session.scalars(select(User).where(User.id.in_(ids))).all()
