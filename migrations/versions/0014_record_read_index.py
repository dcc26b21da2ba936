"""records read in date order per subject; drop the subject name btree nothing uses

The portal, the query gate, objections, repair and reports all read a subject's records
newest first (ORDER BY decision_date DESC, id DESC, LIMIT n). With the old index
(subject_id, publicity_end) a subject with thousands of records had every one of them read
and sorted for a page of 200 (18.5 ms warm, 449 ms cold for 6,206 records in the
10M-record city, docs/PERFORMANCE.md); in date order the read stops at the page.
ix_subjects_name served no query: search is LIKE '%q%' (the trigram GIN index on
PostgreSQL), which a btree cannot serve; it cost ~1.6 s per 380,000 new subjects.

Revision ID: 0014
Revises: 0013
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # scanned backwards for ORDER BY decision_date DESC, id DESC within one subject
    op.create_index('ix_records_subject_date', 'records', ['subject_id', 'decision_date', 'id'], unique=False)
    op.drop_index('ix_records_subject_publicity', table_name='records')
    op.drop_index('ix_subjects_name', table_name='subjects')


def downgrade() -> None:
    op.create_index('ix_subjects_name', 'subjects', ['name'], unique=False)
    op.create_index('ix_records_subject_publicity', 'records', ['subject_id', 'publicity_end'], unique=False)
    op.drop_index('ix_records_subject_date', table_name='records')
