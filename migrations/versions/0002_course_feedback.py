"""course feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:54:54.231704

The older schema has no feedback: the downgrade is refused while any is kept (lms.core.migrating),
unless the loss is accepted.
"""
from alembic import op
import sqlalchemy as sa

from lms.core.migrating import note_loss


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_rating_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_feedback_course_id_courses')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_feedback_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_feedback_enrolment_id'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_course_id'), ['course_id'], unique=False)


def downgrade():
    entries = op.get_bind().execute(sa.text("SELECT count(*) FROM feedback")).scalar_one()
    if entries:
        note_loss(revision, f"{entries} course feedback entry(ies) (ratings and comments) would be deleted")

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_course_id'))

    op.drop_table('feedback')
