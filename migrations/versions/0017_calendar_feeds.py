"""calendar feeds: each person's secret iCalendar address, stored as a hash

Revision ID: 0017
Revises: 0016
Create Date: 2027-01-10 09:00:00

calendar_feeds holds at most one feed per person: the SHA-256 hash of the token in the address
/calendar/feed/<token>.ics, when it was made and when a calendar app last fetched it.

The older schema has no feeds: the downgrade is refused while any exists (every subscribed calendar
would stop updating, and its owner would have to subscribe again), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )


def downgrade():
    feeds = op.get_bind().execute(sa.text("SELECT count(*) FROM calendar_feeds")).scalar_one()
    if feeds:
        note_loss(revision, f"{feeds} calendar feed address(es) would stop working (their owners would have to "
                            "subscribe again)")
    op.drop_table('calendar_feeds')
