"""training sessions, sign-ups, attendance marks, run trainers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 09:00:00

training_sessions holds the sessions (in person, online, practical) of a course run or of a course without
runs, in UTC with the zone of the place; training_session_trainers their trainers; session_sign_ups who
signed up (a place, or the waiting list; cancelled ones kept); attendance_marks who was present, absent,
excused or late. run_trainers gives runs their trainers, a new course-staff role ("trainer"). Courses gain
their attendance completion rule, whether certificates state the hours attended, and the sign-up cut-off;
certificates the hours they state; runs when their dates last changed.

The older schema has none of this: the downgrade is refused while any of it holds data (sessions and what
hangs on them, run trainers and trainer staff, an attendance rule or hours on certificates, a cut-off other
than 24 hours, changed run dates), unless the loss is accepted; accepted, trainers leave the course staff.

On SQLite the new columns of `courses` go in with plain ALTER TABLE, their CHECK with them (recreating
`courses` fails while SQLite enforces the keys of the tables that refer to it).
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COURSE_CHECKS = (
    ('ck_courses_completion_attendance_known', "completion_attendance IN ('none', 'all', 'at_least', 'named')"),
    ('ck_courses_attendance_min_positive', "completion_attendance <> 'at_least' OR completion_attendance_min >= 1"),
    ('ck_courses_cutoff_not_negative', "sign_up_cutoff_hours >= 0"),
)


def upgrade():
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('cutoff_hours', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rescheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_sessions_ends_after_start')),
    sa.CheckConstraint("kind IN ('in_person', 'online', 'practical')", name=op.f('ck_training_sessions_kind_known')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_training_sessions_capacity_positive')),
    sa.CheckConstraint('cutoff_hours IS NULL OR cutoff_hours >= 0',
                       name=op.f('ck_training_sessions_cutoff_not_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_sessions_course_id_courses'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['course_runs.id'], name=op.f('fk_training_sessions_run_id_course_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_training_sessions_course_id_run_id', ['course_id', 'run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_starts_at'), ['starts_at'], unique=False)
    op.create_table('training_session_trainers',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'],
                            name=op.f('fk_training_session_trainers_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_session_trainers_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_training_session_trainers'))
    )
    with op.batch_alter_table('training_session_trainers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_trainers_user_id'), ['user_id'], unique=False)
    op.create_table('session_sign_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_session_sign_ups_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'],
                            name=op.f('fk_session_sign_ups_session_id_training_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_sign_ups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_sign_ups'))
    )
    with op.batch_alter_table('session_sign_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_sign_ups_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_sign_ups_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_sign_ups_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_session_sign_ups_live', ['session_id', 'user_id'], unique=True,
                              sqlite_where=sa.text('cancelled_at IS NULL'),
                              postgresql_where=sa.text('cancelled_at IS NULL'))
    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('present', 'absent', 'excused', 'late')",
                       name=op.f('ck_attendance_marks_status_known')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_attendance_marks_marked_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'],
                            name=op.f('fk_attendance_marks_session_id_training_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_marks_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_attendance_marks_session_id_user_id'))
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_marks_marked_by_id'), ['marked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_marks_user_id'), ['user_id'], unique=False)
    op.create_table('run_trainers',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['course_runs.id'], name=op.f('fk_run_trainers_run_id_course_runs'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_run_trainers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'user_id', name=op.f('pk_run_trainers'))
    )
    with op.batch_alter_table('run_trainers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_trainers_user_id'), ['user_id'], unique=False)

    op.add_column('course_runs', sa.Column('dates_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('certificates', sa.Column('attended_hours', sa.Numeric(precision=6, scale=1), nullable=True))
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_staff_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_course_staff_role_known'), "role IN ('owner', 'instructor', 'trainer')")
    if op.get_bind().dialect.name == "sqlite":
        (known, known_sql), (minimum, minimum_sql), (cutoff, cutoff_sql) = COURSE_CHECKS
        op.execute("ALTER TABLE courses ADD COLUMN completion_attendance VARCHAR(8) DEFAULT 'none' NOT NULL "
                   f"CONSTRAINT {known} CHECK ({known_sql})")
        op.execute(f"ALTER TABLE courses ADD COLUMN completion_attendance_min INTEGER CONSTRAINT {minimum} "
                   f"CHECK ({minimum_sql})")
        op.execute("ALTER TABLE courses ADD COLUMN certificate_states_hours BOOLEAN DEFAULT 0 NOT NULL")
        op.execute(f"ALTER TABLE courses ADD COLUMN sign_up_cutoff_hours INTEGER DEFAULT '24' NOT NULL "
                   f"CONSTRAINT {cutoff} CHECK ({cutoff_sql})")
        return
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_attendance', sa.String(length=8), server_default='none',
                                      nullable=False))
        batch_op.add_column(sa.Column('completion_attendance_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_states_hours', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('sign_up_cutoff_hours', sa.Integer(), server_default='24', nullable=False))
        for name, condition in COURSE_CHECKS:
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    bind = op.get_bind()

    def count(sql):
        return bind.execute(sa.text(sql)).scalar_one()

    sessions, marks, sign_ups = (count("SELECT count(*) FROM training_sessions"),
                                 count("SELECT count(*) FROM attendance_marks"),
                                 count("SELECT count(*) FROM session_sign_ups"))
    if sessions:
        note_loss(revision, f"{sessions} training session(s) would be deleted, with {sign_ups} sign-up(s) and "
                            f"{marks} attendance mark(s)")
    trainers = count("SELECT count(*) FROM run_trainers") + count(
        "SELECT count(*) FROM course_staff WHERE role = 'trainer'")
    if trainers:
        note_loss(revision, f"{trainers} run trainer(s) and trainer staff membership(s) would be deleted")
    settings = count("SELECT count(*) FROM courses WHERE completion_attendance <> 'none' OR certificate_states_hours "
                     "OR sign_up_cutoff_hours <> 24")
    if settings:
        note_loss(revision, f"{settings} course(s) would lose their attendance rule, hours on certificates or "
                            "sign-up cut-off")
    stated = count("SELECT count(attended_hours) FROM certificates")
    if stated:
        note_loss(revision, f"{stated} certificate(s) would no longer state the hours attended")
    changed = count("SELECT count(dates_changed_at) FROM course_runs")
    if changed:
        note_loss(revision, f"{changed} course run(s) would forget when their dates changed")
    bind.execute(sa.text("DELETE FROM course_staff WHERE role = 'trainer'"))

    if bind.dialect.name == "sqlite":  # see upgrade: the columns' constraints go with them
        for column in ('sign_up_cutoff_hours', 'certificate_states_hours', 'completion_attendance_min',
                       'completion_attendance'):
            op.execute(f"ALTER TABLE courses DROP COLUMN {column}")
    else:
        with op.batch_alter_table('courses', schema=None) as batch_op:
            for name, _condition in reversed(COURSE_CHECKS):
                batch_op.drop_constraint(op.f(name), type_="check")
            batch_op.drop_column('sign_up_cutoff_hours')
            batch_op.drop_column('certificate_states_hours')
            batch_op.drop_column('completion_attendance_min')
            batch_op.drop_column('completion_attendance')
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_staff_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_course_staff_role_known'), "role IN ('owner', 'instructor')")
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE certificates DROP COLUMN attended_hours")
        op.execute("ALTER TABLE course_runs DROP COLUMN dates_changed_at")
    else:
        op.drop_column('certificates', 'attended_hours')
        op.drop_column('course_runs', 'dates_changed_at')

    with op.batch_alter_table('run_trainers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_trainers_user_id'))
    op.drop_table('run_trainers')
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_marks_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_marks_marked_by_id'))
    op.drop_table('attendance_marks')
    with op.batch_alter_table('session_sign_ups', schema=None) as batch_op:
        batch_op.drop_index('uq_session_sign_ups_live', sqlite_where=sa.text('cancelled_at IS NULL'),
                            postgresql_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_session_sign_ups_user_id'))
        batch_op.drop_index(batch_op.f('ix_session_sign_ups_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_sign_ups_enrolment_id'))
    op.drop_table('session_sign_ups')
    with op.batch_alter_table('training_session_trainers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_trainers_user_id'))
    op.drop_table('training_session_trainers')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_run_id'))
        batch_op.drop_index('ix_training_sessions_course_id_run_id')
    op.drop_table('training_sessions')
