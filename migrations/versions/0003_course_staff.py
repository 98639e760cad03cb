"""course staff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:04:49.571123

"""
from alembic import op
import sqlalchemy as sa


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

    with op.batch_alter_table('course_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_staff_user_id'))

    op.drop_table('course_staff')

