"""mail: the outbox, its attachments, in-app notifications, mail preferences, the unread count on users

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:30:00

outbox_messages holds every mail composed for a person (its state from queued to sent, attempts, last error;
a held one points to the daily digest that carries it), mail_attachments their files, notifications the
in-app copies of non-security messages, mail_preferences what each person turned off and whether they want a
daily digest. users gains unread_notifications, the count the menu shows without a query; password_links
their purpose ("reset": asked for by mail with "Forgot your password?").

The older schema has none of this: the downgrade is refused while any message, notification or preference
exists (mail waiting to go out would be lost, and people's choices forgotten), unless the loss is accepted.
The unread count goes with the notifications it counts.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted', sa.JSON(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'held', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_messages_status_known')),
    sa.ForeignKeyConstraint(['digest_id'], ['outbox_messages.id'], name=op.f('fk_outbox_messages_digest_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_messages_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_user_id'), ['user_id'], unique=False)

    op.create_table('mail_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_mail_attachments_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachments'))
    )
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachments_message_id'), ['message_id'], unique=False)

    # A plain ADD COLUMN: recreating `users` (batch mode) fails on SQLite while the tables referring to it exist.
    op.add_column('users', sa.Column('unread_notifications', sa.Integer(), server_default='0', nullable=False))
    op.add_column('password_links', sa.Column('purpose', sa.String(length=16), nullable=True))



def downgrade():
    bind = op.get_bind()

    def count(table):
        return bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()

    waiting = bind.execute(sa.text("SELECT count(*) FROM outbox_messages WHERE status <> 'sent'")).scalar_one()
    if waiting:
        note_loss(revision, f"{waiting} mail(s) not yet sent would be lost")
    sent = count("outbox_messages") - waiting
    if sent:
        note_loss(revision, f"{sent} sent mail(s) would leave the outbox")
    notifications = count("notifications")
    if notifications:
        note_loss(revision, f"{notifications} notification(s) would be deleted")
    preferences = count("mail_preferences")
    if preferences:
        note_loss(revision, f"{preferences} person(s) would lose their mail preferences")
    resets = bind.execute(sa.text("SELECT count(purpose) FROM password_links")).scalar_one()
    if resets:
        note_loss(revision, f"{resets} set-password link(s) would forget they were asked for by mail")
    if bind.dialect.name == "sqlite":  # see upgrade
        op.execute("ALTER TABLE users DROP COLUMN unread_notifications")
        op.execute("ALTER TABLE password_links DROP COLUMN purpose")
    else:
        op.drop_column('users', 'unread_notifications')
        op.drop_column('password_links', 'purpose')

    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachments_message_id'))

    op.drop_table('mail_attachments')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_user_id'))
        batch_op.drop_index('ix_outbox_messages_status_created_at')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_digest_id'))

    op.drop_table('outbox_messages')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_id')

    op.drop_table('notifications')
    op.drop_table('mail_preferences')
