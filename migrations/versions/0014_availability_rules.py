"""availability rules: the conditions that open a course's lessons and quizzes

Revision ID: 0014
Revises: 0013
Create Date: 2027-01-10 09:00:00

availability_conditions holds the conditions an item (a lesson or a quiz) waits for before it opens to a
trainee: a lesson viewed, a quiz passed (with at least a percent), a course completed (by slug), a date, or
a number of days after the run's start. The run's own dates gate items without a table of their own.

The older schema has no rules: the downgrade is refused while any condition exists (every locked item
would open at once), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('availability_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('needs_lesson_id', sa.Integer(), nullable=True),
    sa.Column('needs_quiz_id', sa.Integer(), nullable=True),
    sa.Column('min_percent', sa.Integer(), nullable=True),
    sa.Column('needs_course_slug', sa.String(length=80), nullable=True),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('days_after_start', sa.Integer(), nullable=True),
    sa.CheckConstraint('(lesson_id IS NULL) <> (quiz_id IS NULL)', name=op.f('ck_availability_conditions_one_item')),
    sa.CheckConstraint("kind IN ('lesson', 'quiz', 'course', 'date', 'run_days')",
                       name=op.f('ck_availability_conditions_kind_known')),
    sa.CheckConstraint("kind <> 'lesson' OR needs_lesson_id IS NOT NULL",
                       name=op.f('ck_availability_conditions_lesson_named')),
    sa.CheckConstraint("kind <> 'quiz' OR needs_quiz_id IS NOT NULL", name=op.f('ck_availability_conditions_quiz_named')),
    sa.CheckConstraint("kind <> 'course' OR needs_course_slug IS NOT NULL",
                       name=op.f('ck_availability_conditions_course_named')),
    sa.CheckConstraint("kind <> 'date' OR opens_on IS NOT NULL", name=op.f('ck_availability_conditions_date_given')),
    sa.CheckConstraint("kind <> 'run_days' OR days_after_start IS NOT NULL",
                       name=op.f('ck_availability_conditions_days_given')),
    sa.CheckConstraint("min_percent IS NULL OR (kind = 'quiz' AND min_percent BETWEEN 0 AND 100)",
                       name=op.f('ck_availability_conditions_min_percent_of_quiz')),
    sa.CheckConstraint('days_after_start IS NULL OR days_after_start BETWEEN 0 AND 3650',
                       name=op.f('ck_availability_conditions_days_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_availability_conditions_course_id_courses'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_availability_conditions_lesson_id_lessons'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_availability_conditions_quiz_id_quizzes'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['needs_lesson_id'], ['lessons.id'],
                            name=op.f('fk_availability_conditions_needs_lesson_id_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['needs_quiz_id'], ['quizzes.id'],
                            name=op.f('fk_availability_conditions_needs_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_conditions'))
    )
    with op.batch_alter_table('availability_conditions', schema=None) as batch_op:
        for column in ('course_id', 'lesson_id', 'quiz_id', 'needs_lesson_id', 'needs_quiz_id'):
            batch_op.create_index(batch_op.f(f'ix_availability_conditions_{column}'), [column], unique=False)


def downgrade():
    bind = op.get_bind()
    conditions, items = bind.execute(sa.text(
        "SELECT count(*), count(DISTINCT coalesce(lesson_id, 0) * 2 + coalesce(quiz_id, 0) * 2 + "
        "CASE WHEN quiz_id IS NULL THEN 0 ELSE 1 END) FROM availability_conditions")).one()
    if conditions:
        note_loss(revision, f"{conditions} availability condition(s) of {items} lesson(s) and quiz(zes) would be "
                            f"deleted: those items would open at once")
    with op.batch_alter_table('availability_conditions', schema=None) as batch_op:
        for column in ('needs_quiz_id', 'needs_lesson_id', 'quiz_id', 'lesson_id', 'course_id'):
            batch_op.drop_index(batch_op.f(f'ix_availability_conditions_{column}'))
    op.drop_table('availability_conditions')
