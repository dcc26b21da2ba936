"""rate-limit buckets in the database, shared by every web node

Issue 16 point 2: N web nodes behind a proxy give a client one limit, not N. The token buckets
that were kept per process (or per machine in a memory-mapped file) become rows of
`rate_buckets`, taken from by one atomic UPSERT (xinyong.kit.dbbuckets). On PostgreSQL the
table is UNLOGGED: a bucket is worth nothing after a crash (all buckets full again is the
same as a fresh start), and writing no WAL for it keeps a take cheap; standbys see it empty.

Revision ID: 0023_stateless
Revises: 0022_pdfen
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_stateless'
down_revision = '0023_partman'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_buckets',
        sa.Column('bucket', sa.String(length=64), nullable=False),
        sa.Column('tokens', sa.Double(), nullable=False),
        sa.Column('seen_at', sa.Double(), nullable=False),
        sa.Column('full_at', sa.Double(), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', name=op.f('pk_rate_buckets')),
    )
    op.create_index('ix_rate_buckets_full_at', 'rate_buckets', ['full_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE rate_buckets SET UNLOGGED')


def downgrade() -> None:
    op.drop_index('ix_rate_buckets_full_at', table_name='rate_buckets')
    op.drop_table('rate_buckets')
