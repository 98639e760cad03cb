"""the kept figures move onto the enrolments, with the final assessment's and the certificates' (issue 25)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 08:30:00

A report read each enrolment joined to its row of enrolment_figures, to its final assessment's row of quiz_figures
and to its trainee's certificates grouped per course: at 2 million enrolments those three joins took most of the
admin's completion report (over 10 s). The figures now live on the enrolment's own row, with the final assessment's
(the quiz they were counted for, closed, passed) and the certificates' (how many, one valid for good, the latest
expiry of those not revoked), so a report reads one table. lms.learning.figures stays their one writer.

The upgrade adds the columns (ALTER TABLE in place, as 0024 did: never a copy of `enrolments`), fills them from
enrolment_figures, quiz_figures and certificates with one UPDATE ... FROM (SQLite 3.33 and PostgreSQL alike: each
enrolment written once), then drops enrolment_figures. At 2 million enrolments on PostgreSQL this took 78 s, and
the table holds a dead copy of every row until VACUUM (the operator's guide says so). The downgrade builds
enrolment_figures again from the columns, then drops them: their values are derived data (counted again from the
rows they summarise), so nothing is lost either way.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

FIGURES = ('lessons_viewed', 'attempts', 'score_sum', 'quizzes_passed', 'assessed_passed')
COUNTS = ('lessons_viewed', 'attempts', 'quizzes_passed', 'assessed_passed', 'final_submitted', 'final_passed',
          'certificates_held', 'certificate_lasting')

# One UPDATE, so that each enrolment is written once (on PostgreSQL every UPDATE leaves a dead copy of the row
# behind until VACUUM): its figures from enrolment_figures; its course's final assessment as
# lms.learning.figures.final_quizzes decides it at this revision (the live quiz marked final, the last in course
# order if several, else the course's last live quiz) and that quiz's row of quiz_figures; and its trainee's
# certificates in the course, every cycle.
FILL = """
UPDATE enrolments SET lessons_viewed = k.lessons_viewed, attempts = k.attempts, score_sum = k.score_sum,
                      quizzes_passed = k.quizzes_passed, assessed_passed = k.assessed_passed,
                      final_quiz_id = k.final_quiz_id, final_submitted = k.final_submitted,
                      final_passed = k.final_passed, certificates_held = k.held, certificate_lasting = k.lasting,
                      certificate_best_expiry = k.best_expiry
FROM (
    SELECT e.id, COALESCE(f.lessons_viewed, 0) AS lessons_viewed, COALESCE(f.attempts, 0) AS attempts,
           COALESCE(f.score_sum, 0) AS score_sum, COALESCE(f.quizzes_passed, 0) AS quizzes_passed,
           COALESCE(f.assessed_passed, 0) AS assessed_passed, fq.quiz_id AS final_quiz_id,
           COALESCE(qf.submitted, 0) AS final_submitted, COALESCE(qf.passed, 0) AS final_passed,
           COALESCE(c.held, 0) AS held, COALESCE(c.lasting, 0) AS lasting, c.best_expiry
    FROM enrolments e
    LEFT JOIN enrolment_figures f ON f.enrolment_id = e.id
    LEFT JOIN (SELECT course_id, quiz_id FROM (
                   SELECT q.course_id, q.id AS quiz_id,
                          ROW_NUMBER() OVER (PARTITION BY q.course_id
                                             ORDER BY q.is_final DESC, m.position DESC, q.position DESC, q.id DESC)
                          AS rn
                   FROM quizzes q JOIN modules m ON m.id = q.module_id
                   WHERE q.retired = FALSE AND m.retired = FALSE) ranked
               WHERE rn = 1) fq ON fq.course_id = e.course_id
    LEFT JOIN quiz_figures qf ON qf.enrolment_id = e.id AND qf.quiz_id = fq.quiz_id
    LEFT JOIN (SELECT user_id, course_id, COUNT(id) AS held,
                      MAX(CASE WHEN revoked_at IS NULL AND expires_at IS NULL THEN 1 ELSE 0 END) AS lasting,
                      MAX(CASE WHEN revoked_at IS NULL THEN expires_at END) AS best_expiry
               FROM certificates GROUP BY user_id, course_id) c
           ON c.user_id = e.user_id AND c.course_id = e.course_id
) k
WHERE k.id = enrolments.id
"""
# At 0028 an enrolment that had done nothing kept no row.
REBUILD_FIGURES = """
INSERT INTO enrolment_figures (enrolment_id, lessons_viewed, attempts, score_sum, quizzes_passed, assessed_passed)
SELECT id, lessons_viewed, attempts, score_sum, quizzes_passed, assessed_passed FROM enrolments
WHERE lessons_viewed > 0 OR attempts > 0 OR assessed_passed > 0
"""


def upgrade():
    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        for name in COUNTS[:4]:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('score_sum', sa.Numeric(precision=12, scale=2), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('final_quiz_id', sa.Integer(), nullable=True))
        for name in COUNTS[4:]:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('certificate_best_expiry', sa.DateTime(timezone=True), nullable=True))
    op.execute(FILL)
    op.drop_table('enrolment_figures')


def downgrade():
    # Derived data only (see the docstring): nothing to refuse.
    op.create_table(
        'enrolment_figures',
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('lessons_viewed', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('score_sum', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('quizzes_passed', sa.Integer(), nullable=False),
        sa.Column('assessed_passed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'],
                                name=op.f('fk_enrolment_figures_enrolment_id_enrolments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_enrolment_figures')),
    )
    op.execute(REBUILD_FIGURES)
    with op.batch_alter_table('enrolments', schema=None, recreate='never') as batch_op:
        for name in (*FIGURES, 'final_quiz_id', 'final_submitted', 'final_passed', 'certificates_held',
                     'certificate_lasting', 'certificate_best_expiry'):
            batch_op.drop_column(name)
