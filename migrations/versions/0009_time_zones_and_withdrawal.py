"""time zones, due dates as dates, withdrawal with a reason, the expiry notice period

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00

- institutions.timezone: the IANA zone of the institution's people, set from its country (the only
  zone, or the capital's where a country has several; UTC where it cannot tell);
  institutions.expiry_notice_days (60): a certificate expiring within it counts as "expiring".
- users.timezone: the person's own choice; NULL follows the institution.
- enrolments.due_on: the due date as typed. Until now a due date was stored as 23:59 UTC of the
  typed date, so due_on is due_at's UTC date; due_at becomes the moment that date ends in the
  trainee's zone (midnight at its end).
- enrolments.withdrawn_at, withdrawal_reason: when and why an enrolment was withdrawn (who did it is
  in the audit log, as for every action).

The downgrade puts due_at back to 23:59 UTC of the due date (what the older code reads as that date);
the upgrade takes the date back from it, and the zones from the countries. What the older schema has
no place for, and the upgrade could not give back as it was, is a loss (lms.core.migrating): the
downgrade is refused, changing nothing, unless it is accepted, while an institution has another zone
than its country's or another notice period than 60 days, a person chose their own zone, an
enrolment was withdrawn (when and why: restore it, or note the reason from the audit log, first), or a
due date ends at another moment than the end of its date in the zone the upgrade would give it (one
set for a person's own zone, say). An enrolment without an institution has its due date end in the
platform's zone (LMS_TIMEZONE), as the application has it.

Columns are added and dropped with plain ALTER TABLE (recreate='never'): recreating tables that
others refer to fails while SQLite enforces foreign keys. The zone of a country is read from pytz's
copy of the IANA zone table, written out here as it was at this revision.
"""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytz
import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

CAPITAL_ZONES = {
    "UA": "Europe/Kyiv", "DE": "Europe/Berlin", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "KZ": "Asia/Almaty", "RU": "Europe/Moscow", "CY": "Asia/Nicosia", "DK": "Europe/Copenhagen",
    "NL": "Europe/Amsterdam", "FR": "Europe/Paris", "GB": "Europe/London", "US": "America/New_York",
}


def _country_zone(country: str) -> str:
    zones = pytz.country_timezones.get(country, [])
    if len(zones) == 1:
        return zones[0]
    return CAPITAL_ZONES.get(country) if CAPITAL_ZONES.get(country) in zones else "UTC"


def _platform_zone() -> str:
    """The zone of people without an institution: LMS_TIMEZONE, UTC when unset or unknown."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    try:
        return str(ZoneInfo(name)) if name else "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def _end_of(day: date, zone_name: str) -> datetime:
    """The moment `day` ends (midnight at its end) in the zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone_name))


def _stamp(moment: datetime, dialect: str):
    # SQLite keeps the UTC text SQLAlchemy would write for a naive UTC value.
    return moment.astimezone(UTC).replace(tzinfo=None) if dialect == "sqlite" else moment


# Typed parameters, so that SQLite gets the text SQLAlchemy writes for these columns (with microseconds).
_AT = sa.bindparam("at", type_=sa.DateTime(timezone=True))
_DAY = sa.bindparam("day", type_=sa.Date())


def _read(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade():
    with op.batch_alter_table('institutions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('expiry_notice_days', sa.Integer(), server_default='60', nullable=False))
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))

    bind = op.get_bind()
    dialect = bind.dialect.name
    for institution_id, country in bind.execute(sa.text("SELECT id, country FROM institutions")).all():
        bind.execute(sa.text("UPDATE institutions SET timezone = :zone WHERE id = :id"),
                     {"zone": _country_zone(country), "id": institution_id})
    rows = bind.execute(sa.text(
        "SELECT e.id, e.due_at, i.timezone FROM enrolments e JOIN users u ON u.id = e.user_id "
        "LEFT JOIN institutions i ON i.id = u.institution_id WHERE e.due_at IS NOT NULL")).all()
    update = sa.text("UPDATE enrolments SET due_on = :day, due_at = :at WHERE id = :id").bindparams(_DAY, _AT)
    platform = _platform_zone()
    for enrolment_id, due_at, zone_name in rows:
        day = _read(due_at).date()
        bind.execute(update, {"day": day, "at": _stamp(_end_of(day, zone_name or platform), dialect),
                              "id": enrolment_id})


def _day(value) -> date:
    return value if not isinstance(value, str) else date.fromisoformat(value[:10])


def _note_losses(bind) -> None:
    """What the older schema has no place for and the upgrade would not give back as it was."""
    institutions = bind.execute(sa.text("SELECT country, timezone, expiry_notice_days FROM institutions")).all()
    other_zone = sum(1 for country, zone, _days in institutions if zone != _country_zone(country))
    if other_zone:
        note_loss(revision, f"{other_zone} institution(s) have another time zone than their country's (an upgrade "
                            "would give them their country's)")
    other_notice = sum(1 for *_rest, days in institutions if days != 60)
    if other_notice:
        note_loss(revision, f"{other_notice} institution(s) have another expiry notice period than 60 days")
    people = bind.execute(sa.text("SELECT count(*) FROM users WHERE timezone IS NOT NULL")).scalar_one()
    if people:
        note_loss(revision, f"{people} person(s) chose their own time zone")
    withdrawn = bind.execute(sa.text("SELECT count(*) FROM enrolments WHERE withdrawn_at IS NOT NULL "
                                     "OR withdrawal_reason IS NOT NULL")).scalar_one()
    if withdrawn:
        note_loss(revision, f"{withdrawn} withdrawn enrolment(s) would lose when and why they were withdrawn: "
                            "restore them, or note the reasons from the audit log, first")
    platform = _platform_zone()
    moved = 0
    for due_on, due_at, country in bind.execute(sa.text(
            "SELECT e.due_on, e.due_at, i.country FROM enrolments e JOIN users u ON u.id = e.user_id "
            "LEFT JOIN institutions i ON i.id = u.institution_id "
            "WHERE e.due_on IS NOT NULL OR e.due_at IS NOT NULL")):
        zone = _country_zone(country) if country else platform
        if due_on is None or due_at is None or _read(due_at) != _end_of(_day(due_on), zone):
            moved += 1
    if moved:
        note_loss(revision, f"{moved} due date(s) end at another moment than the end of their date in their "
                            "institution's country's zone (or the platform's), where an upgrade would end them")


def downgrade():
    bind = op.get_bind()
    _note_losses(bind)
    dialect = bind.dialect.name
    update = sa.text("UPDATE enrolments SET due_at = :at WHERE id = :id").bindparams(_AT)
    for enrolment_id, day in bind.execute(sa.text(
            "SELECT id, due_on FROM enrolments WHERE due_on IS NOT NULL")).all():
        bind.execute(update, {"at": _stamp(datetime.combine(_day(day), time(23, 59), tzinfo=UTC), dialect),
                              "id": enrolment_id})

    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('due_on')
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('institutions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('expiry_notice_days')
        batch_op.drop_column('timezone')
