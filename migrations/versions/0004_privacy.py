"""privacy: notice acknowledgement, anonymised accounts, certificates without a holder name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:07:23.979836

The older schema has no place for when someone acknowledged the privacy notice, nor for the mark of
an anonymised account (which stops it being re-activated), and certificates need a holder name there:
the downgrade writes '-' for the anonymised holders. What an upgrade would not give back as it was is
a loss (lms.core.migrating): the downgrade is refused, changing nothing, unless it is accepted.

After such a loss the upgrade gives back what the older schema still shows: an account under the
address anonymisation gives (anonymised-<id>@anonymised.invalid, which no mailbox can have) is
anonymised again, at the time of its `user.anonymised` audit event (else at the upgrade), and its
certificates' '-' becomes no holder name again. An anonymised account whose mark comes back exactly so
is not a loss; acknowledgements are (people are asked again).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The address anonymisation gives an account (lms.privacy.services), as SQL on `users`.
ANONYMISED_ADDRESS = "users.email = 'anonymised-' || users.id || '@anonymised.invalid'"
# When the audit log says the account was anonymised: the first such event.
ANONYMISED_EVENT = ("(SELECT min(a.created_at) FROM audit_events a WHERE a.action = 'user.anonymised' "
                    "AND a.target_type = 'users' AND a.target_id = users.id)")


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('holder_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    # Accounts a downgrade could not mark (see above) are anonymised again; nothing matches on a first upgrade.
    bind = op.get_bind()
    now = datetime.now(UTC)
    mark = sa.text(f"UPDATE users SET anonymised_at = COALESCE({ANONYMISED_EVENT}, :now) WHERE {ANONYMISED_ADDRESS}")
    bind.execute(mark.bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True))),
                 {"now": now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now})
    op.execute("UPDATE certificates SET holder_name = NULL WHERE holder_name = '-' "
               "AND user_id IN (SELECT id FROM users WHERE anonymised_at IS NOT NULL)")


def downgrade():
    bind = op.get_bind()
    acknowledged = bind.execute(sa.text(
        "SELECT count(*) FROM users WHERE privacy_acknowledged_at IS NOT NULL")).scalar_one()
    if acknowledged:
        note_loss(revision, f"{acknowledged} person(s) acknowledged the privacy notice, which the older schema keeps "
                            "no record of: they would be asked again after an upgrade")
    unmarked = bind.execute(sa.text(
        f"SELECT count(*) FROM users WHERE anonymised_at IS NOT NULL "
        f"AND NOT COALESCE({ANONYMISED_ADDRESS} AND anonymised_at = {ANONYMISED_EVENT}, FALSE)")).scalar_one()
    if unmarked:
        note_loss(revision, f"{unmarked} anonymised account(s) would lose their mark, which the older schema has no "
                            "place for (the older version could re-activate them); an upgrade marks again those still "
                            "under their anonymised address, at the time of their audit event")
    nameless = bind.execute(sa.text(
        f"SELECT count(*) FROM certificates c JOIN users ON users.id = c.user_id "
        f"WHERE c.holder_name IS NULL AND NOT ({ANONYMISED_ADDRESS})")).scalar_one()
    if nameless:
        note_loss(revision, f"{nameless} certificate(s) without a holder name would name '-' as their holder")

    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating `users`, which every table refers to,
    # would fail while SQLite enforces foreign keys.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('privacy_acknowledged_at')

    # Certificates of anonymised holders get a neutral placeholder so the column can be NOT NULL again.
    op.execute("UPDATE certificates SET holder_name = '-' WHERE holder_name IS NULL")
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('holder_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)
