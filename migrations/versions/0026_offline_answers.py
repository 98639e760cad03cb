"""answers through an outage: attempt tokens, numbered saves, answers received late, a quiz's automatic acceptance

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 22:30:00

Every attempt gets a server-issued token (quiz_attempts.token; existing attempts are given one here), which a
"Download my answers" file carries. Each saved answer remembers the sequence number of the device's save that
wrote it (attempt_answers.seq; NULL for the page's own form), so that replayed saves change nothing. Answers
saved on a device before the deadline but received after it wait in late_answers for the quiz's staff, unless
the quiz accepts them automatically (quizzes.accept_late_answers).

Columns are added and dropped in place (ALTER TABLE, never a copy of the table). The older schema has no place
for answers received late, a quiz's automatic acceptance or the sequence numbers: the downgrade is refused while
any exists, unless the loss is accepted. Tokens are not counted as a loss: going up again gives every attempt a
new one (a file downloaded before then no longer matches its attempt; the downgrade's note says so when late
answers are waiting).
"""
import secrets

import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    with op.batch_alter_table('quizzes', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('accept_late_answers', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('quiz_attempts', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))
    with op.batch_alter_table('attempt_answers', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    # Every existing attempt gets its own random token (one UPDATE per attempt: tokens cannot come from SQL
    # alike on SQLite and PostgreSQL, and an upgrade is run once).
    bind = op.get_bind()
    attempts = sa.table('quiz_attempts', sa.column('id', sa.Integer()), sa.column('token', sa.String()))
    ids = bind.execute(sa.select(attempts.c.id).where(attempts.c.token.is_(None))).scalars().all()
    if ids:
        bind.execute(attempts.update().where(attempts.c.id == sa.bindparam('attempt_id'))
                     .values(token=sa.bindparam('new_token')),
                     [{'attempt_id': i, 'new_token': secrets.token_urlsafe(16)} for i in ids])
    op.create_index('uq_quiz_attempts_token', 'quiz_attempts', ['token'], unique=True)
    op.create_table(
        'late_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('device_saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_by_id', sa.Integer(), nullable=True),
        sa.Column('file_sha256', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('automatic', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
        sa.CheckConstraint("source IN ('device', 'file')", name=op.f('ck_late_answers_source_known')),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name=op.f('ck_late_answers_status_known')),
        sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name=op.f('ck_late_answers_decided_has_time')),
        sa.CheckConstraint('seq >= 1', name=op.f('ck_late_answers_seq_positive')),
        sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_late_answers_attempt_id_quiz_attempts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_late_answers_quiz_id_quizzes'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_late_answers_user_id_users')),
        sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_late_answers_received_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_late_answers_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_late_answers')),
    )
    op.create_index(op.f('ix_late_answers_attempt_id'), 'late_answers', ['attempt_id'], unique=False)
    op.create_index(op.f('ix_late_answers_user_id'), 'late_answers', ['user_id'], unique=False)
    op.create_index('ix_late_answers_quiz_id_status', 'late_answers', ['quiz_id', 'status'], unique=False)
    op.create_index('uq_late_answers_pending', 'late_answers', ['attempt_id', 'source'], unique=True,
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    bind = op.get_bind()
    late = bind.execute(sa.text("SELECT count(*) FROM late_answers")).scalar_one()
    pending = bind.execute(sa.text("SELECT count(*) FROM late_answers WHERE status = 'pending'")).scalar_one()
    automatic = bind.execute(sa.text("SELECT count(*) FROM quizzes WHERE accept_late_answers")).scalar_one()
    numbered = bind.execute(sa.text("SELECT count(*) FROM attempt_answers WHERE seq IS NOT NULL")).scalar_one()
    if late:
        note_loss(revision, f"{late} set(s) of answers received late after an outage ({pending} waiting for a "
                            "decision) would be deleted; files of answers downloaded before then would no longer "
                            "match their attempts")
    if automatic:
        note_loss(revision, f"{automatic} quiz(zes) would stop accepting answers received late automatically")
    if numbered:
        note_loss(revision, f"{numbered} saved answer(s) would forget the sequence number of the save that wrote "
                            "them (a save replayed later could overwrite them)")
    op.drop_index('uq_late_answers_pending', table_name='late_answers', sqlite_where=PENDING,
                  postgresql_where=PENDING)
    op.drop_index('ix_late_answers_quiz_id_status', table_name='late_answers')
    op.drop_index(op.f('ix_late_answers_user_id'), table_name='late_answers')
    op.drop_index(op.f('ix_late_answers_attempt_id'), table_name='late_answers')
    op.drop_table('late_answers')
    op.drop_index('uq_quiz_attempts_token', table_name='quiz_attempts')
    with op.batch_alter_table('attempt_answers', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('seq')
    with op.batch_alter_table('quiz_attempts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('token')
    with op.batch_alter_table('quizzes', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('accept_late_answers')
