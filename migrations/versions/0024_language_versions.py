"""language versions of courses: course_versions, version_texts, and the version a quiz attempt was taken in

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 20:00:00

A course may have versions in other languages (the same items, settings and answer keys; other texts): who
translated each and how (course_versions), and the texts of each course, module and item per version
(version_texts). A quiz attempt notes the version it was started in (quiz_attempts.language; NULL: the
course's own language), and an enrolment the version its trainee chose to read (enrolments.content_language).

The two columns are added and dropped in place (ALTER TABLE, never a copy of the table: on SQLite a copy of
`enrolments` would turn the column constraints of 0013 into table constraints that its own downgrade cannot
drop). The older schema has no place for any of it: the downgrade is refused while a version, an attempt in one or a
trainee's choice of one exists, unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'course_versions',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('translated_from', sa.String(length=16), nullable=False),
        sa.Column('translated_by', sa.String(length=500), nullable=False),
        sa.Column('reviewed', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_course_versions_status_known')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_versions_course_id_courses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('course_id', 'language', name=op.f('pk_course_versions')),
    )
    op.create_table(
        'version_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.CheckConstraint("kind IN ('course', 'module', 'lesson', 'quiz', 'question', 'assignment', 'practical')",
                           name=op.f('ck_version_texts_kind_known')),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_version_texts_course_id_courses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_version_texts')),
        sa.UniqueConstraint('kind', 'item_id', 'language', name='uq_version_texts_item_language'),
    )
    op.create_index('ix_version_texts_course_id_language', 'version_texts', ['course_id', 'language'], unique=False)
    with op.batch_alter_table('quiz_attempts', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('content_language', sa.String(length=16), nullable=True))


def downgrade():
    bind = op.get_bind()
    versions = bind.execute(sa.text("SELECT count(*) FROM course_versions")).scalar_one()
    attempts = bind.execute(sa.text("SELECT count(*) FROM quiz_attempts WHERE language IS NOT NULL")).scalar_one()
    chosen = bind.execute(sa.text("SELECT count(*) FROM enrolments WHERE content_language IS NOT NULL")).scalar_one()
    if versions or attempts or chosen:
        note_loss(revision, f"{versions} language version(s) of courses with their texts, the version "
                            f"{attempts} quiz attempt(s) were taken in and the version {chosen} trainee(s) chose "
                            "to read would be lost")
    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('content_language')
    with op.batch_alter_table('quiz_attempts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('language')
    op.drop_index('ix_version_texts_course_id_language', table_name='version_texts')
    op.drop_table('version_texts')
    op.drop_table('course_versions')
