"""drop ix_quiz_attempts_enrolment_id, which repeats the leading column of a unique constraint

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 01:10:00

quiz_attempts has a unique constraint on (enrolment_id, quiz_id, number): its index answers every lookup by
enrolment alone, as the single-column index did, so that index only cost every attempt's INSERT (and every
DELETE of an enrolment's attempts) one more index to maintain. The downgrade builds it again: nothing is lost
either way.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_quiz_attempts_enrolment_id', table_name='quiz_attempts')


def downgrade():
    op.create_index('ix_quiz_attempts_enrolment_id', 'quiz_attempts', ['enrolment_id'], unique=False)
