"""one attempt in progress per enrolment and quiz

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00

Two starts of the same quiz at the same moment (a double click, two tabs) could each open an attempt;
the partial unique index uq_quiz_attempts_in_progress makes the database refuse the second, whatever
the number of workers, and the quiz engine then returns the first.

Pairs left in progress by that race before this revision are settled first: the earliest attempt
stays in progress (the one the trainee's first start opened), each later one is closed as expired at
its start with 0 points, which is what the platform would have done to it at its deadline. The
downgrade only drops the index: every row stays as it is.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

IN_PROGRESS = sa.text("status = 'in_progress'")


def upgrade():
    attempts = sa.table('quiz_attempts', sa.column('id'), sa.column('enrolment_id'), sa.column('quiz_id'),
                        sa.column('status'), sa.column('started_at'), sa.column('submitted_at'),
                        sa.column('score'), sa.column('percent'), sa.column('passed', sa.Boolean))
    earlier = attempts.alias('earlier')
    op.execute(attempts.update().where(
        attempts.c.status == 'in_progress',
        sa.exists().where(earlier.c.enrolment_id == attempts.c.enrolment_id,
                          earlier.c.quiz_id == attempts.c.quiz_id, earlier.c.status == 'in_progress',
                          earlier.c.id < attempts.c.id),
    ).values(status='expired', submitted_at=attempts.c.started_at, score=0, percent=0, passed=False))
    op.create_index('uq_quiz_attempts_in_progress', 'quiz_attempts', ['enrolment_id', 'quiz_id'], unique=True,
                    sqlite_where=IN_PROGRESS, postgresql_where=IN_PROGRESS)


def downgrade():
    op.drop_index('uq_quiz_attempts_in_progress', table_name='quiz_attempts',
                  sqlite_where=IN_PROGRESS, postgresql_where=IN_PROGRESS)
