"""sharing upward: the submissions owed to the provincial platform / 信用中国

Issue 15 point 4 (FZ art. 7; QZ art. 10): one row per change of the feed the upstream must hear
of, pending until the upstream's receipt (upstream id, acknowledged at) is stored on it.

Revision ID: 0023_upstream
Revises: 0023_stateless
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0023_upstream'
down_revision = '0023_ingest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('upstream_submissions',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('event_id', BigId, nullable=True),
                    sa.Column('item_key', sa.String(length=80), nullable=False),
                    sa.Column('version', sa.Integer(), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column('record_id', BigId, nullable=True),
                    sa.Column('agency_id', sa.Integer(), nullable=True),
                    sa.Column('decision_date', sa.Date(), nullable=True),
                    sa.Column('received_at', TimestampTZ, nullable=True),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('next_attempt_at', TimestampTZ, nullable=False),
                    sa.Column('last_error', sa.Text(), nullable=False),
                    sa.Column('upstream_id', sa.String(length=120), nullable=True),
                    sa.Column('acknowledged_at', TimestampTZ, nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_upstream_submissions')),
                    sa.UniqueConstraint('event_id', name=op.f('uq_upstream_submissions_event_id')))
    op.create_index('ix_upstream_submissions_due', 'upstream_submissions', ['acknowledged_at', 'next_attempt_at'])
    op.create_index('ix_upstream_submissions_item', 'upstream_submissions', ['item_key', 'acknowledged_at'])


def downgrade() -> None:
    op.drop_index('ix_upstream_submissions_item', table_name='upstream_submissions')
    op.drop_index('ix_upstream_submissions_due', table_name='upstream_submissions')
    op.drop_table('upstream_submissions')
