"""failed jobs: the job queue's jobs that failed every try, kept for the admins' page

Revision ID: 0018
Revises: 0017
Create Date: 2027-01-20 09:00:00

failed_jobs keeps what a job was (its name and arguments), how often it ran, its last error, and
whether and by whom it was queued again.

The older schema has no such record: the downgrade is refused while any failed job is kept (the
work of those nobody retried would be forgotten, and the record of the others), unless the loss is
accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('arguments', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retried_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['retried_by_id'], ['users.id'], name=op.f('fk_failed_jobs_retried_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs'))
    )
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_jobs_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_failed_jobs_retried_by_id'), ['retried_by_id'], unique=False)


def downgrade():
    kept, waiting = op.get_bind().execute(
        sa.text("SELECT count(*), count(*) - count(retried_at) FROM failed_jobs")).one()
    if kept:
        note_loss(revision, f"{kept} failed job(s) would be forgotten ({waiting} not retried yet)")
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_jobs_retried_by_id'))
        batch_op.drop_index(batch_op.f('ix_failed_jobs_failed_at'))
    op.drop_table('failed_jobs')
