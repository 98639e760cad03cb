"""completions recorded by hand for training done elsewhere

Revision ID: 0015
Revises: 0014
Create Date: 2027-01-10 09:00:00

An enrolment may come from "recorded": staff recorded training done elsewhere (on paper, on an earlier
platform) as completed. recorded_completions holds the details of each, keyed by its enrolment: the day
it was completed, hours, the reason, the evidence file in the storage, who recorded it and when.

The enrolments' CHECK on `source` gains 'recorded'. On PostgreSQL the constraint is dropped and created
again. On SQLite a table's CHECK cannot be altered, and recreating `enrolments` (batch mode) fails while
SQLite enforces the foreign keys of the tables that refer to it (worse: dropping it would run their ON
DELETE CASCADE), and `PRAGMA foreign_keys` cannot change inside the migration's transaction. So the
constraint's text is changed in the schema itself, the procedure SQLite documents for changing a CHECK
("Making Other Kinds Of Table Schema Changes": writable_schema, then a new schema_version so that every
connection reads the schema again), inside the same transaction. Widening the list needs no check of the
rows; narrowing it again on the way down is safe once no row holds 'recorded' (the downgrade sees to it).

The older schema has no place for a recorded completion: the downgrade is refused while any exists,
unless the loss is accepted; accepted, the enrolments stay completed with the source 'admin', their
details are dropped (their evidence files stay in the storage, named by no row).
"""
import sqlalchemy as sa
from alembic import op

from lms.core.migrating import note_loss

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD_SOURCES = "source IN ('self', 'admin', 'coordinator', 'bulk', 'api')"
NEW_SOURCES = "source IN ('self', 'admin', 'coordinator', 'bulk', 'api', 'recorded')"


def _sqlite_replace_check(old: str, new: str) -> None:
    """Change the text of a CHECK of `enrolments` in SQLite's schema, in the running transaction."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        changed = bind.execute(sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = 'enrolments' AND instr(sql, :old) > 0"),
            {"old": f"CHECK ({old})", "new": f"CHECK ({new})"}).rowcount
        if changed != 1:
            raise RuntimeError("the CHECK on enrolments.source is not as 0001 wrote it; change it by hand")
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _change_sources(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_replace_check(old, new)
        return
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_enrolments_source_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_enrolments_source_known'), new)


def upgrade():
    op.create_table('recorded_completions',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_key', sa.String(length=512), nullable=True),
    sa.Column('evidence_name', sa.String(length=200), nullable=True),
    sa.Column('evidence_type', sa.String(length=64), nullable=True),
    sa.Column('evidence_size', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hours IS NULL OR (hours > 0 AND hours <= 1000)',
                       name=op.f('ck_recorded_completions_hours_range')),
    sa.CheckConstraint('evidence_key IS NULL OR (evidence_name IS NOT NULL AND evidence_type IS NOT NULL '
                       'AND evidence_size IS NOT NULL)', name=op.f('ck_recorded_completions_evidence_described')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                            name=op.f('fk_recorded_completions_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                            name=op.f('fk_recorded_completions_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_recorded_completions'))
    )
    with op.batch_alter_table('recorded_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_completions_recorded_by_id'), ['recorded_by_id'], unique=False)
    _change_sources(OLD_SOURCES, NEW_SOURCES)


def downgrade():
    bind = op.get_bind()
    details, evidence = bind.execute(sa.text(
        "SELECT count(*), count(evidence_key) FROM recorded_completions")).one()
    sourced = bind.execute(sa.text("SELECT count(*) FROM enrolments WHERE source = 'recorded'")).scalar_one()
    if details or sourced:
        note_loss(revision, f"{max(details, sourced)} recorded completion(s) would lose their details (day, hours, "
                            f"reason; {evidence} evidence file(s) would stay in the storage named by no row) and "
                            f"go down as completed enrolments made by an admin")
    bind.execute(sa.text("UPDATE enrolments SET source = 'admin' WHERE source = 'recorded'"))
    _change_sources(NEW_SOURCES, OLD_SOURCES)
    with op.batch_alter_table('recorded_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_completions_recorded_by_id'))
    op.drop_table('recorded_completions')
