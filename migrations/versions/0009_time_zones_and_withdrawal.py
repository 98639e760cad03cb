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

The downgrade puts due_at back to 23:59 UTC of the due date (what the older code reads as that date)
and refuses, changing nothing, while an enrolment is withdrawn: the older schema has no place for the
reason (restore the enrolments, or note them, first). The zones and
notice periods are settings that fall back to the older behaviour (UTC, no notice period).

Columns are added and dropped with plain ALTER TABLE (recreate='never'): recreating tables that
others refer to fails while SQLite enforces foreign keys. The zone of a country is read from pytz's
copy of the IANA zone table, written out here as it was at this revision.
"""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytz
import sqlalchemy as sa
from alembic import op

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


def _stamp(moment: datetime, dialect: str):
    # SQLite keeps the UTC text SQLAlchemy would write for a naive UTC value.
    return moment.astimezone(UTC).replace(tzinfo=None) if dialect == "sqlite" else moment


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
    for enrolment_id, due_at, zone_name in rows:
        day = _read(due_at).date()
        ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone_name or "UTC"))
        bind.execute(sa.text("UPDATE enrolments SET due_on = :day, due_at = :ends WHERE id = :id"),
                     {"day": day, "ends": _stamp(ends, dialect), "id": enrolment_id})


def downgrade():
    bind = op.get_bind()
    withdrawn = bind.execute(sa.text(
        "SELECT count(*) FROM enrolments WHERE status = 'withdrawn' OR withdrawn_at IS NOT NULL")).scalar_one()
    if withdrawn:
        raise RuntimeError(
            f"{withdrawn} enrolment(s) are withdrawn, and this older schema has no place for why "
            "they were: restore them (or note the reasons from the audit log), then downgrade again")
    dialect = bind.dialect.name
    for enrolment_id, day in bind.execute(sa.text(
            "SELECT id, due_on FROM enrolments WHERE due_on IS NOT NULL")).all():
        day = day if not isinstance(day, str) else datetime.fromisoformat(day).date()
        bind.execute(sa.text("UPDATE enrolments SET due_at = :at WHERE id = :id"),
                     {"at": _stamp(datetime.combine(day, time(23, 59), tzinfo=UTC), dialect), "id": enrolment_id})

    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('due_on')
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('institutions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('expiry_notice_days')
        batch_op.drop_column('timezone')
