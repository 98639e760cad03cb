"""courses.outline_stamp: changes whenever a course's modules, lessons or quizzes change

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:05:00

Pages cache a course's outline by (course id, outline_stamp); existing courses get a random
stamp here, and a new one at each change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('outline_stamp', sa.String(length=16), server_default='', nullable=False))
    random_stamp = ("lower(hex(randomblob(8)))" if op.get_bind().dialect.name == "sqlite"
                    else "substr(md5(random()::text || id::text), 1, 16)")
    op.execute(f"UPDATE courses SET outline_stamp = {random_stamp}")


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating `courses` would fail while SQLite
    # enforces the foreign keys that refer to it.
    with op.batch_alter_table('courses', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('outline_stamp')
