"""course runs (intakes) with a capacity and a waiting list

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:00:00

course_runs holds a course's runs (intakes): dates, enrolment window, capacity, whether it is open to every
institution (else to those in course_run_institutions), cancellation. An enrolment gains the run it is in
(`run_id`, NULL for the enrolments made before and for courses without runs) and `waiting_since` (on the
run's waiting list since then). A run with enrolments cannot be deleted (its key refuses it): it is cancelled.

The older schema has no runs: the downgrade is refused while any run exists (the enrolments would lose
their run and their place on the waiting list, and waiting trainees would become enrolled), unless the
loss is accepted; accepted, waiting enrolments go down withdrawn, so that nobody gains a place by it.

On SQLite the two columns are added and dropped with plain ALTER TABLE, their foreign key and check with
them: recreating `enrolments` fails while SQLite enforces the keys of the tables that refer to it.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('enrol_opens_on', sa.Date(), nullable=True),
    sa.Column('enrol_closes_on', sa.Date(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('open_to_all', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_course_runs_ends_after_start')),
    sa.CheckConstraint('enrol_closes_on IS NULL OR enrol_closes_on <= ends_on',
                       name=op.f('ck_course_runs_window_closes_by_end')),
    sa.CheckConstraint('enrol_opens_on IS NULL OR enrol_closes_on IS NULL OR enrol_opens_on <= enrol_closes_on',
                       name=op.f('ck_course_runs_window_opens_before_close')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_course_runs_capacity_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_runs_course_id_courses'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_runs')),
    sa.UniqueConstraint('course_id', 'code', name=op.f('uq_course_runs_course_id_code'))
    )
    with op.batch_alter_table('course_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_runs_course_id'), ['course_id'], unique=False)
    op.create_table('course_run_institutions',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'],
                            name=op.f('fk_course_run_institutions_institution_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['course_runs.id'], name=op.f('fk_course_run_institutions_run_id_course_runs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'institution_id', name=op.f('pk_course_run_institutions'))
    )
    with op.batch_alter_table('course_run_institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_run_institutions_institution_id'), ['institution_id'],
                              unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Recreating `enrolments` (batch mode) fails while SQLite enforces the foreign keys of the tables that
        # refer to it; a column's own REFERENCES and CHECK come and go with the column in plain ALTER TABLE.
        op.execute("ALTER TABLE enrolments ADD COLUMN run_id INTEGER CONSTRAINT fk_enrolments_run_id_course_runs "
                   "REFERENCES course_runs (id)")
        op.execute("ALTER TABLE enrolments ADD COLUMN waiting_since DATETIME CONSTRAINT ck_enrolments_waiting_in_a_run "
                   "CHECK (waiting_since IS NULL OR run_id IS NOT NULL)")
        op.create_index(op.f('ix_enrolments_run_id'), 'enrolments', ['run_id'], unique=False)
        return
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_enrolments_run_id'), ['run_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enrolments_run_id_course_runs'), 'course_runs', ['run_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_enrolments_waiting_in_a_run'),
                                         'waiting_since IS NULL OR run_id IS NOT NULL')

def downgrade():
    bind = op.get_bind()
    runs, limited = bind.execute(sa.text(
        "SELECT count(*), count(*) - count(CASE WHEN open_to_all THEN 1 END) FROM course_runs")).one()
    placed, waiting = bind.execute(sa.text(
        "SELECT count(run_id), count(waiting_since) FROM enrolments WHERE status <> 'withdrawn'")).one()
    if runs:
        note_loss(revision, f"{runs} course run(s) ({limited} open to a list of institutions) would be deleted, "
                            f"and {placed} enrolment(s) would lose their run")
    if waiting:
        note_loss(revision, f"{waiting} enrolment(s) on a waiting list would go down withdrawn")
    bind.execute(sa.text("UPDATE enrolments SET status = 'withdrawn', withdrawn_at = waiting_since, "
                         "withdrawal_reason = 'waiting list of a course run (schema downgrade)' "
                         "WHERE waiting_since IS NOT NULL AND status <> 'withdrawn'"))
    op.drop_index(op.f('ix_enrolments_run_id'), table_name='enrolments')
    if bind.dialect.name == "sqlite":  # see upgrade: the column's constraints go with it
        op.execute("ALTER TABLE enrolments DROP COLUMN waiting_since")
        op.execute("ALTER TABLE enrolments DROP COLUMN run_id")
    else:
        with op.batch_alter_table('enrolments', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_enrolments_waiting_in_a_run'), type_='check')
            batch_op.drop_constraint(batch_op.f('fk_enrolments_run_id_course_runs'), type_='foreignkey')
            batch_op.drop_column('waiting_since')
            batch_op.drop_column('run_id')
    with op.batch_alter_table('course_run_institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_run_institutions_institution_id'))
    op.drop_table('course_run_institutions')
    with op.batch_alter_table('course_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_runs_course_id'))
    op.drop_table('course_runs')
