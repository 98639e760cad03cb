"""export job heartbeat: when a running export last showed it was alive

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:00:00

export_jobs.heartbeat_at is written when a job starts and with each step of its progress, and cleared when it
ends. A job left "running" by a worker that was killed stops moving it: the periodic check marks such a job
failed, so its maker sees that it failed and starts it again, instead of a progress bar that never ends.

The older schema has no place for it: the downgrade is refused while a job holds one (a job being written:
the older code would never mark it failed if its worker died), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    beating = op.get_bind().execute(
        sa.text("SELECT count(*) FROM export_jobs WHERE heartbeat_at IS NOT NULL")).scalar_one()
    if beating:
        note_loss(revision, f"{beating} export job(s) being written would lose the time of their last progress "
                            "(nothing would mark them failed if their worker stopped)")
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
