"""course staff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:04:49.571123

The older schema does not record who may edit a course: the downgrade is refused while any course has
staff (lms.core.migrating), unless the loss is accepted (note each course's owners and instructors
first, to add them again after an upgrade).
"""
from alembic import op
import sqlalchemy as sa

from lms.core.migrating import note_loss


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('course_staff',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'instructor')", name=op.f('ck_course_staff_role_known')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_staff_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_staff_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_staff'))
    )
    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_staff_user_id'), ['user_id'], unique=False)


def downgrade():
    staff, courses = op.get_bind().execute(sa.text(
        "SELECT count(*), count(DISTINCT course_id) FROM course_staff")).one()
    if staff:
        note_loss(revision, f"{staff} course staff membership(s) (the owners and instructors of {courses} course(s)) "
                            "would be deleted: the older schema does not record who may edit a course")

    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_staff_user_id'))

    op.drop_table('course_staff')
