"""an index on a subject's open deadlines, for the subject's home (its procedures in progress)

Revision ID: 0020_bench
Revises: 0019
"""
from alembic import op

revision = '0020_bench'
down_revision = '0020_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deadlines_subject_open', 'deadlines', ['subject_id', 'completed_at', 'due_on'])


def downgrade() -> None:
    op.drop_index('ix_deadlines_subject_open', table_name='deadlines')
