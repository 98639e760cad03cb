"""privacy: notice acknowledgement, anonymised accounts, certificates without a holder name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:07:23.979836

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('holder_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating `users`, which every table refers to,
    # would fail while SQLite enforces foreign keys.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('privacy_acknowledged_at')

    # Certificates of anonymised holders get a neutral placeholder so the column can be NOT NULL again.
    op.execute("UPDATE certificates SET holder_name = '-' WHERE holder_name IS NULL")
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('holder_name',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)
