"""export jobs: report exports too big for a request, written in the background for the person who asked

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:30:00

export_jobs holds one row per background export: who asked, the kind of export with its parsed filters,
format and zone, its state (queued, running, done, failed, expired), rows done of rows total, and the key
of its file in the storage while the file exists (a day after it is ready).

The older schema has no export jobs: the downgrade is refused while any row remains (their makers would
lose the record of their exports, and any file still offered would stay in the storage with nothing naming
it), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('fmt', sa.String(length=12), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('completion', 'drilldown', 'enrolments', 'runs', 'expiring')",
                       name=op.f('ck_export_jobs_kind')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                       name=op.f('ck_export_jobs_status')),
    sa.CheckConstraint("fmt IN ('csv', 'csv-excel', 'xlsx')", name=op.f('ck_export_jobs_fmt')),
    sa.CheckConstraint('rows_done >= 0', name=op.f('ck_export_jobs_rows_done')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_jobs_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    op.create_index(op.f('ix_export_jobs_user_id'), 'export_jobs', ['user_id'], unique=False)
    op.create_index(op.f('ix_export_jobs_created_at'), 'export_jobs', ['created_at'], unique=False)
    op.create_index(op.f('ix_export_jobs_expires_at'), 'export_jobs', ['expires_at'], unique=False)


def downgrade():
    jobs = op.get_bind().execute(sa.text("SELECT count(*) FROM export_jobs")).scalar_one()
    if jobs:
        note_loss(revision, f"{jobs} export job(s) and the record of them would be lost (a file still offered "
                            "would stay in the storage with nothing naming it)")
    op.drop_index(op.f('ix_export_jobs_expires_at'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_created_at'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_user_id'), table_name='export_jobs')
    op.drop_table('export_jobs')
