"""assessed work: assignments, practical assessments, assessors, the gradebook's weights and overrides

Revision ID: 0022
Revises: 0021
Create Date: 2027-01-27 09:00:00

assignments holds written work of a module (instructions, what may be handed in, due date, pass mark, an
optional rubric); assignment_submissions each try of a trainee (draft, submitted, marked, returned) with its
assignment_files; assignment_marks the assessors' marks (a copy of the rubric they were given with; held back
until released; superseded by a re-mark, never overwritten); assignment_extensions a later due date for one
trainee. practicals holds observed skills assessments with their practical_criteria (critical or not);
practical_records an assessor's signed-off assessment of one trainee, with practical_results per criterion and
practical_evidence files. run_assessors gives runs their assessors, a new course-staff role ("assessor").
grade_weights and grade_overrides are the gradebook's weights and results set by hand. Courses gain whether
their completion asks for assignments and practicals passed (all by default: a course without any is
unchanged) and their grading rule.

The older schema has none of this: the downgrade is refused while any of it holds data (assessed work and its
marks, assessors, weights, overrides, a course whose rule leaves out assignments or practicals or that grades
other than by the mean), unless the loss is accepted; accepted, assessors leave the course staff. The files
of submissions and evidence stay in the storage: a downgrade does not delete files.

On SQLite the new columns of `courses` go in with plain ALTER TABLE, their CHECK with them (recreating
`courses` fails while SQLite enforces the keys of the tables that refer to it).
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


COURSE_COLUMNS = (
    ('completion_assignments', 'VARCHAR(8)', 'all'),
    ('completion_practicals', 'VARCHAR(8)', 'all'),
    ('grading_rule', 'VARCHAR(16)', 'mean'),
)
COURSE_CHECKS = (
    ('ck_courses_completion_assignments_known', "completion_assignments IN ('all', 'none')"),
    ('ck_courses_completion_practicals_known', "completion_practicals IN ('all', 'none')"),
    ('ck_courses_grading_rule_known', "grading_rule IN ('mean', 'item_weights', 'module_weights')"),
)


def upgrade():
    op.create_table('grade_weights',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.CheckConstraint("kind IN ('quiz', 'assignment', 'practical', 'attendance', 'module')", name=op.f('ck_grade_weights_kind_known')),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_grade_weights_weight_not_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_grade_weights_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'kind', 'item_id', name=op.f('pk_grade_weights'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('accepts', sa.String(length=8), nullable=False),
    sa.Column('file_kinds', sa.String(length=200), nullable=False),
    sa.Column('max_file_mb', sa.Integer(), nullable=False),
    sa.Column('max_files', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('late_allowed', sa.Boolean(), nullable=False),
    sa.Column('resubmissions', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=True),
    sa.Column('rubric_version', sa.Integer(), nullable=False),
    sa.Column('hide_names', sa.Boolean(), nullable=False),
    sa.Column('hold_marks', sa.Boolean(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.CheckConstraint("accepts IN ('text', 'files', 'both')", name=op.f('ck_assignments_accepts_known')),
    sa.CheckConstraint('max_file_mb BETWEEN 1 AND 50', name=op.f('ck_assignments_max_file_mb_bounded')),
    sa.CheckConstraint('max_files BETWEEN 1 AND 20', name=op.f('ck_assignments_max_files_bounded')),
    sa.CheckConstraint('max_score > 0', name=op.f('ck_assignments_max_score_positive')),
    sa.CheckConstraint('pass_mark BETWEEN 0 AND 100', name=op.f('ck_assignments_pass_mark_percent')),
    sa.CheckConstraint('resubmissions BETWEEN 0 AND 10', name=op.f('ck_assignments_resubmissions_bounded')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_assignments_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('course_id', 'slug', name=op.f('uq_assignments_course_id_slug'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_module_id_position', ['module_id', 'position'], unique=False)

    op.create_table('practicals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('hold_marks', sa.Boolean(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.CheckConstraint('pass_mark BETWEEN 0 AND 100', name=op.f('ck_practicals_pass_mark_percent')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_practicals_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_practicals_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practicals')),
    sa.UniqueConstraint('course_id', 'slug', name=op.f('uq_practicals_course_id_slug'))
    )
    with op.batch_alter_table('practicals', schema=None) as batch_op:
        batch_op.create_index('ix_practicals_module_id_position', ['module_id', 'position'], unique=False)

    op.create_table('run_assessors',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['course_runs.id'], name=op.f('fk_run_assessors_run_id_course_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_run_assessors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'user_id', name=op.f('pk_run_assessors'))
    )
    with op.batch_alter_table('run_assessors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_assessors_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_extensions',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_extensions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_assignment_extensions_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_assignment_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('assignment_id', 'enrolment_id', name=op.f('pk_assignment_extensions'))
    )
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_extensions_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_extensions_granted_by_id'), ['granted_by_id'], unique=False)

    op.create_table('assignment_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'marked', 'returned')", name=op.f('ck_assignment_submissions_status_known')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_assignment_submissions_number_positive')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_assignment_submissions_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_submissions')),
    sa.UniqueConstraint('assignment_id', 'enrolment_id', 'number', name=op.f('uq_assignment_submissions_assignment_id_enrolment_id_number'))
    )
    with op.batch_alter_table('assignment_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_submissions_assignment_id_status', ['assignment_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_submissions_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_submissions_user_id'), ['user_id'], unique=False)

    op.create_table('grade_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('quiz', 'assignment', 'practical', 'attendance', 'total')", name=op.f('ck_grade_overrides_kind_known')),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_grade_overrides_percent_bounded')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_grade_overrides_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_grade_overrides_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_overrides')),
    sa.UniqueConstraint('enrolment_id', 'kind', 'item_id', name=op.f('uq_grade_overrides_enrolment_id_kind_item_id'))
    )
    with op.batch_alter_table('grade_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_overrides_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_overrides_set_by_id'), ['set_by_id'], unique=False)

    op.create_table('practical_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practical_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['practical_id'], ['practicals.id'], name=op.f('fk_practical_criteria_practical_id_practicals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practical_criteria')),
    sa.UniqueConstraint('practical_id', 'slug', name=op.f('uq_practical_criteria_practical_id_slug'))
    )
    with op.batch_alter_table('practical_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practical_criteria_practical_id'), ['practical_id'], unique=False)

    op.create_table('practical_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practical_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('from_paper', sa.Boolean(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_practical_records_percent_bounded')),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_practical_records_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_practical_records_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['practical_id'], ['practicals.id'], name=op.f('fk_practical_records_practical_id_practicals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practical_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practical_records'))
    )
    with op.batch_alter_table('practical_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practical_records_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practical_records_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index('ix_practical_records_practical_id_enrolment_id', ['practical_id', 'enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practical_records_released_at'), ['released_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_practical_records_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['assignment_submissions.id'], name=op.f('fk_assignment_files_submission_id_assignment_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_files'))
    )
    with op.batch_alter_table('assignment_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_files_submission_id'), ['submission_id'], unique=False)

    op.create_table('assignment_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('feedback_key', sa.String(length=200), nullable=True),
    sa.Column('feedback_name', sa.String(length=200), nullable=True),
    sa.Column('feedback_mime', sa.String(length=100), nullable=True),
    sa.Column('feedback_size', sa.Integer(), nullable=True),
    sa.Column('rubric', sa.JSON(), nullable=True),
    sa.Column('rubric_version', sa.Integer(), nullable=True),
    sa.Column('levels', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IN ('marked', 'returned')", name=op.f('ck_assignment_marks_outcome_known')),
    sa.CheckConstraint('percent IS NULL OR percent BETWEEN 0 AND 100', name=op.f('ck_assignment_marks_percent_bounded')),
    sa.CheckConstraint('score IS NULL OR score >= 0', name=op.f('ck_assignment_marks_score_not_negative')),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_assignment_marks_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['assignment_submissions.id'], name=op.f('fk_assignment_marks_submission_id_assignment_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_marks'))
    )
    with op.batch_alter_table('assignment_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_marks_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_marks_released_at'), ['released_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_marks_submission_id'), ['submission_id'], unique=False)

    op.create_table('practical_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['practical_records.id'], name=op.f('fk_practical_evidence_record_id_practical_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practical_evidence'))
    )
    with op.batch_alter_table('practical_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practical_evidence_record_id'), ['record_id'], unique=False)

    op.create_table('practical_results',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=False),
    sa.CheckConstraint("result IN ('met', 'not_met', 'not_observed')", name=op.f('ck_practical_results_result_known')),
    sa.ForeignKeyConstraint(['criterion_id'], ['practical_criteria.id'], name=op.f('fk_practical_results_criterion_id_practical_criteria')),
    sa.ForeignKeyConstraint(['record_id'], ['practical_records.id'], name=op.f('fk_practical_results_record_id_practical_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'criterion_id', name=op.f('pk_practical_results'))
    )
    with op.batch_alter_table('practical_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practical_results_criterion_id'), ['criterion_id'], unique=False)

    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_staff_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_course_staff_role_known'),
                                         "role IN ('owner', 'instructor', 'trainer', 'assessor')")
    if op.get_bind().dialect.name == "sqlite":
        for (name, condition), (column, kind, default) in zip(COURSE_CHECKS, COURSE_COLUMNS):
            op.execute(f"ALTER TABLE courses ADD COLUMN {column} {kind} DEFAULT '{default}' NOT NULL "
                       f"CONSTRAINT {name} CHECK ({condition})")
        return
    with op.batch_alter_table('courses', schema=None) as batch_op:
        for column, kind, default in COURSE_COLUMNS:
            length = int(kind[len("VARCHAR("):-1])
            batch_op.add_column(sa.Column(column, sa.String(length=length), server_default=default, nullable=False))
        for name, condition in COURSE_CHECKS:
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    bind = op.get_bind()

    def count(sql):
        return bind.execute(sa.text(sql)).scalar_one()

    assignments, submissions, marks = (count("SELECT count(*) FROM assignments"),
                                       count("SELECT count(*) FROM assignment_submissions"),
                                       count("SELECT count(*) FROM assignment_marks"))
    if assignments:
        note_loss(revision, f"{assignments} assignment(s) would be deleted, with {submissions} submission(s) and "
                            f"{marks} mark(s)")
    practicals, records = count("SELECT count(*) FROM practicals"), count("SELECT count(*) FROM practical_records")
    if practicals:
        note_loss(revision, f"{practicals} practical assessment(s) would be deleted, with {records} signed-off "
                            "record(s)")
    assessors = count("SELECT count(*) FROM run_assessors") + count(
        "SELECT count(*) FROM course_staff WHERE role = 'assessor'")
    if assessors:
        note_loss(revision, f"{assessors} run assessor(s) and assessor staff membership(s) would be deleted")
    grades = count("SELECT count(*) FROM grade_weights") + count("SELECT count(*) FROM grade_overrides")
    if grades:
        note_loss(revision, f"{grades} gradebook weight(s) and override(s) would be deleted")
    settings = count("SELECT count(*) FROM courses WHERE completion_assignments <> 'all' "
                     "OR completion_practicals <> 'all' OR grading_rule <> 'mean'")
    if settings:
        note_loss(revision, f"{settings} course(s) would lose their rule for assessed work or their grading rule")
    bind.execute(sa.text("DELETE FROM course_staff WHERE role = 'assessor'"))

    if bind.dialect.name == "sqlite":  # see upgrade: the columns' constraints go with them
        for column, _kind, _default in reversed(COURSE_COLUMNS):
            op.execute(f"ALTER TABLE courses DROP COLUMN {column}")
    else:
        with op.batch_alter_table('courses', schema=None) as batch_op:
            for name, _condition in reversed(COURSE_CHECKS):
                batch_op.drop_constraint(op.f(name), type_="check")
            for column, _kind, _default in reversed(COURSE_COLUMNS):
                batch_op.drop_column(column)
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_course_staff_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_course_staff_role_known'), "role IN ('owner', 'instructor', 'trainer')")

    with op.batch_alter_table('practical_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practical_results_criterion_id'))

    op.drop_table('practical_results')
    with op.batch_alter_table('practical_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practical_evidence_record_id'))

    op.drop_table('practical_evidence')
    with op.batch_alter_table('assignment_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_marks_submission_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_marks_released_at'))
        batch_op.drop_index(batch_op.f('ix_assignment_marks_assessor_id'))

    op.drop_table('assignment_marks')
    with op.batch_alter_table('assignment_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_files_submission_id'))

    op.drop_table('assignment_files')
    with op.batch_alter_table('practical_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practical_records_user_id'))
        batch_op.drop_index(batch_op.f('ix_practical_records_released_at'))
        batch_op.drop_index('ix_practical_records_practical_id_enrolment_id')
        batch_op.drop_index(batch_op.f('ix_practical_records_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_practical_records_assessor_id'))

    op.drop_table('practical_records')
    with op.batch_alter_table('practical_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practical_criteria_practical_id'))

    op.drop_table('practical_criteria')
    with op.batch_alter_table('grade_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_overrides_set_by_id'))
        batch_op.drop_index(batch_op.f('ix_grade_overrides_enrolment_id'))

    op.drop_table('grade_overrides')
    with op.batch_alter_table('assignment_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_submissions_enrolment_id'))
        batch_op.drop_index('ix_assignment_submissions_assignment_id_status')

    op.drop_table('assignment_submissions')
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_extensions_granted_by_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_extensions_enrolment_id'))

    op.drop_table('assignment_extensions')
    with op.batch_alter_table('run_assessors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_assessors_user_id'))

    op.drop_table('run_assessors')
    with op.batch_alter_table('practicals', schema=None) as batch_op:
        batch_op.drop_index('ix_practicals_module_id_position')

    op.drop_table('practicals')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_module_id_position')

    op.drop_table('assignments')
    op.drop_table('grade_weights')
