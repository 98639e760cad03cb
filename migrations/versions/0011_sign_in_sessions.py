"""sign-in sessions kept in the database

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:00:00

Each sign-in gets a row in sign_in_sessions (the hash of the token its cookie carries, who, when, the
device and address), so that sign-out, a new password, an admin or a timeout can end it on the server.
Sessions opened before this revision carry no token: their people sign in again once.

The older schema keeps no sessions: the downgrade is refused while the table holds any
(lms.core.migrating), unless the loss is accepted. The open ones are the least of it (everyone signs in
again, as after the upgrade); with the ended ones they are the record of who signed in from which
device and address, which people read on their profile and in their personal-data download.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_sessions_token_hash'))
    )
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    sessions, still_open = op.get_bind().execute(sa.text(
        "SELECT count(*), count(*) - count(ended_at) FROM sign_in_sessions")).one()
    if sessions:
        note_loss(revision, f"{sessions} sign-in session(s), {still_open} of them open, would be deleted: everyone "
                            "signs in again, and the record of devices and addresses is lost")
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_sessions_user_id'))
    op.drop_table('sign_in_sessions')
