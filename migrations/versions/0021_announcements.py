"""announcements: course staff write to a course's trainees or to one run's

Revision ID: 0021
Revises: 0020
Create Date: 2027-01-20 09:00:00

announcements holds what staff post: to a course (run_id NULL) or to one of its runs, a title and a Markdown
text, whether it goes by e-mail too, when it was corrected or withdrawn, and how far its mail went out.

The older schema has no announcements: the downgrade is refused while any exists (trainees would no longer
find them on their course pages), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('send_mail', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_through', sa.Integer(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_announcements_course_id_courses'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['course_runs.id'], name=op.f('fk_announcements_run_id_course_runs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_course_id_created_at', ['course_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_run_id'), ['run_id'], unique=False)


def downgrade():
    posted = op.get_bind().execute(sa.text("SELECT count(*) FROM announcements")).scalar_one()
    if posted:
        note_loss(revision, f"{posted} announcement(s) would be deleted (trainees would no longer find them on "
                            "their course pages)")
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_run_id'))
        batch_op.drop_index(batch_op.f('ix_announcements_author_id'))
        batch_op.drop_index('ix_announcements_course_id_created_at')
    op.drop_table('announcements')
