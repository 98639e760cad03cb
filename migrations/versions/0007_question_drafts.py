"""questions.draft: questions kept in the bank but never drawn until complete

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

A GIFT import may bring questions without what publishing requires (an explanation); the instructor
can import them as drafts, to complete in the quiz editor. Existing questions are not drafts. Going
down is refused while a draft exists (lms.core.migrating): the older schema has no drafts, and would
draw one into trainees' attempts; complete or delete the drafts first. With the loss accepted, the
drafts are retired instead (kept in the bank, never drawn: the older schema's nearest meaning), and
after an upgrade they are retired questions, no longer drafts.
"""
from alembic import op
import sqlalchemy as sa

from lms.core.migrating import note_loss


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN: recreating `questions` would fail while SQLite enforces the
    # foreign keys that refer to it (choices, attempt answers).
    with op.batch_alter_table('questions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    drafts = op.get_bind().execute(sa.text("SELECT count(*) FROM questions WHERE draft")).scalar_one()
    if drafts:
        note_loss(revision, f"{drafts} question(s) are drafts, which the older schema cannot tell from questions to "
                            "draw into trainees' attempts: complete them (the quiz editor lists them) or delete them "
                            "first; if the loss is accepted they are retired instead")
        op.execute("UPDATE questions SET retired = TRUE WHERE draft")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as for courses.outline_stamp.
    with op.batch_alter_table('questions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('draft')
