"""enrolment_figures and quiz_figures: what each enrolment's trainee has done, kept when it is written (issue 25)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 01:30:00

Per enrolment: lessons viewed, attempts, the sum of the best percent of the closed attempts of each quiz, quizzes
passed, assignments and practical assessments passed; per enrolment and quiz: attempts, the best percent of the
closed attempts, passed, closed. Every item counts, live or not: the reports take off the share of retired items
and find the final assessment's row when they read them (lms.reports.facts), and lms.learning.figures keeps them
when the rows they count are written. The upgrade fills both tables from those rows with one INSERT ... SELECT
each (no row loop), on SQLite and PostgreSQL alike; enrolments that have done nothing keep no row.

The downgrade drops both tables and loses nothing: their rows are derived data, counted again from the rows they
summarise when upgraded again (or by `lms reports recount`), so it asks for no acceptance of a loss.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# The figures as lms.learning.figures counts them at this revision: closed = the attempt's status is not
# in_progress; a mark or record counts when it is current, released and passed.
QUIZ_FIGURES = """
INSERT INTO quiz_figures (enrolment_id, quiz_id, attempts, best, passed, submitted)
SELECT qa.enrolment_id, qa.quiz_id, COUNT(qa.id),
       MAX(CASE WHEN qa.status <> 'in_progress' THEN COALESCE(qa.percent, 0) END),
       MAX(CASE WHEN qa.passed = TRUE THEN 1 ELSE 0 END),
       MAX(CASE WHEN qa.status <> 'in_progress' THEN 1 ELSE 0 END)
FROM quiz_attempts qa
GROUP BY qa.enrolment_id, qa.quiz_id
"""
ENROLMENT_FIGURES = """
INSERT INTO enrolment_figures (enrolment_id, lessons_viewed, attempts, score_sum, quizzes_passed, assessed_passed)
SELECT e.id, COALESCE(v.n, 0), COALESCE(q.attempts, 0), COALESCE(q.score_sum, 0), COALESCE(q.quizzes_passed, 0),
       COALESCE(a.n, 0)
FROM enrolments e
LEFT JOIN (
    SELECT enrolment_id, COUNT(id) AS n FROM lesson_progress GROUP BY enrolment_id
) v ON v.enrolment_id = e.id
LEFT JOIN (
    SELECT enrolment_id, SUM(attempts) AS attempts, SUM(COALESCE(best, 0)) AS score_sum, SUM(passed) AS quizzes_passed
    FROM quiz_figures GROUP BY enrolment_id
) q ON q.enrolment_id = e.id
LEFT JOIN (
    SELECT items.enrolment_id, COUNT(*) AS n FROM (
        SELECT s.enrolment_id, s.assignment_id AS item_id, 'assignment' AS kind
        FROM assignment_submissions s JOIN assignment_marks k ON k.submission_id = s.id
        WHERE k.superseded_at IS NULL AND k.released_at IS NOT NULL AND k.passed = TRUE
        UNION
        SELECT r.enrolment_id, r.practical_id AS item_id, 'practical' AS kind
        FROM practical_records r
        WHERE r.superseded_at IS NULL AND r.released_at IS NOT NULL AND r.passed = TRUE
    ) items
    GROUP BY items.enrolment_id
) a ON a.enrolment_id = e.id
WHERE v.n IS NOT NULL OR q.attempts IS NOT NULL OR a.n IS NOT NULL
"""


def upgrade():
    op.create_table(
        'quiz_figures',
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('best', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.Column('submitted', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_quiz_figures_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_figures_quiz_id_quizzes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enrolment_id', 'quiz_id', name=op.f('pk_quiz_figures')),
    )
    op.create_index('ix_quiz_figures_quiz_id', 'quiz_figures', ['quiz_id'], unique=False)
    op.create_table(
        'enrolment_figures',
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('lessons_viewed', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('score_sum', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('quizzes_passed', sa.Integer(), nullable=False),
        sa.Column('assessed_passed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_enrolment_figures_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_figures')),
    )
    op.execute(QUIZ_FIGURES)
    op.execute(ENROLMENT_FIGURES)


def downgrade():
    # Derived data only (see the docstring): nothing to refuse.
    op.drop_table('enrolment_figures')
    op.drop_index('ix_quiz_figures_quiz_id', table_name='quiz_figures')
    op.drop_table('quiz_figures')
