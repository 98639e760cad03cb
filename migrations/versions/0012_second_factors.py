"""second factors and recovery codes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00

second_factors holds each person's authenticator app (TOTP, its secret encrypted) and passkeys
(WebAuthn credentials); recovery_codes the hashes of their one-time recovery codes.

The older schema has no place for either. The downgrade is refused (lms.core.migrating) while anyone
has a second factor: dropping the tables would quietly take it away from the accounts that rely on it
(admins and coordinators in production); reset them first (`lms users reset-mfa --email E`, or the
person page). It is refused as well while recovery codes are kept (the used ones stay as a record of
their use), unless the loss is accepted.
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('second_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret', sa.String(length=255), nullable=True),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.Column('credential_id', sa.LargeBinary(length=1024), nullable=True),
    sa.Column('public_key', sa.LargeBinary(length=2048), nullable=True),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('totp', 'passkey')", name=op.f('ck_second_factors_kind_known')),
    sa.CheckConstraint("(kind = 'totp' AND secret IS NOT NULL) OR "
                       "(kind = 'passkey' AND credential_id IS NOT NULL AND public_key IS NOT NULL)",
                       name=op.f('ck_second_factors_kind_has_its_key')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_second_factors_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_factors')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_second_factors_credential_id'))
    )
    with op.batch_alter_table('second_factors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_second_factors_user_id'), ['user_id'], unique=False)
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    bind = op.get_bind()
    holders = bind.execute(sa.text("SELECT count(DISTINCT user_id) FROM second_factors")).scalar_one()
    if holders:
        note_loss(revision, f"{holders} account(s) have a second factor, which this downgrade would take away "
                            "without a word: reset them first (`lms users reset-mfa --email E` or the person page)")
    codes = bind.execute(sa.text("SELECT count(*) FROM recovery_codes")).scalar_one()
    if codes:
        note_loss(revision, f"{codes} recovery code(s) (used ones kept as a record) would be deleted")
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('second_factors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_second_factors_user_id'))
    op.drop_table('second_factors')
