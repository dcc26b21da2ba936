"""one index of records per subject: the evaluation's columns INCLUDEd in ix_records_subject_date

Issue 14 point 3 (only the indexes a read path needs). Two indexes of records led with
subject_id: ix_records_subject_date (subject_id, decision_date, id), read backwards by every
per-subject page, and ix_records_evaluation (subject_id) INCLUDE (item_code, decision_date,
severity, status, under_objection), partial on the always-true ``under_objection IS NOT NULL``
so that only the evaluation's statements (which stated it) would use it. On PostgreSQL one index
now does both: ix_records_subject_date with the evaluation's other columns INCLUDEd, so the
recompute stays an index-only read of it. Every bulk load maintains one index fewer
(docs/PERFORMANCE.md, "A leaner records row"). SQLite has no INCLUDE: its
ix_records_subject_date is unchanged, and the evaluation's partial (subject_id) index goes.

Revision ID: 0026_lean
Revises: 0025_prune
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_lean'
down_revision = '0025_prune'
branch_labels = None
depends_on = None

KEY = ['subject_id', 'decision_date', 'id']
INCLUDED = ['item_code', 'severity', 'status', 'under_objection']


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.drop_index('ix_records_evaluation', table_name='records')
    if _pg():
        op.drop_index('ix_records_subject_date', table_name='records')
        op.create_index('ix_records_subject_date', 'records', KEY, unique=False, postgresql_include=INCLUDED)


def downgrade() -> None:
    if _pg():
        op.drop_index('ix_records_subject_date', table_name='records')
        op.create_index('ix_records_subject_date', 'records', KEY, unique=False)
    op.create_index('ix_records_evaluation', 'records', ['subject_id'], unique=False,
                    postgresql_include=['item_code', 'decision_date', 'severity', 'status', 'under_objection'],
                    postgresql_where=sa.text('under_objection IS NOT NULL'),
                    sqlite_where=sa.text('under_objection IS NOT NULL'))
