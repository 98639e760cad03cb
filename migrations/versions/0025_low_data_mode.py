"""low-data mode: users.low_data_mode

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 22:30:00

A person may ask for low-data mode (their profile, or the switch in every page's footer): lesson images are
sent as their alternative text and a link that opens them. The choice is a column of `users`, false for
everyone to begin with.

The column is added and dropped in place (ADD/DROP COLUMN, never a copy of `users`: batch mode cannot
recreate that table on SQLite while the tables referring to it exist). The older schema has no place for the
choice: the downgrade is refused while anyone has it on, unless the loss is accepted (they then get images
again).
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('low_data_mode', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    bind = op.get_bind()
    chosen = bind.execute(sa.text("SELECT count(*) FROM users WHERE low_data_mode")).scalar_one()
    if chosen:
        note_loss(revision, f"{chosen} person(s) would lose their choice of low-data mode")
    if bind.dialect.name == "sqlite":  # see the description: SQLite 3.35+ drops a column in place
        op.execute("ALTER TABLE users DROP COLUMN low_data_mode")
    else:
        op.drop_column('users', 'low_data_mode')
