"""the ingest outbox: hooks a batch owes, applied after its commit

Issue 14 point 1: the change feed and the incremental evaluation of a batch no longer run inside
the batch's transaction. The transaction records one row per (batch, hook); the hook's effects
and the row's applied_at are written together after the commit, in order, exactly once.

Revision ID: 0021_outbox
Revises: 0020_worker
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0021_outbox'
down_revision = '0020_tlog'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_outbox',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('batch_id', BigId, nullable=False),
                    sa.Column('hook', sa.String(length=80), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.Column('applied_at', TimestampTZ, nullable=True),
                    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'],
                                            name=op.f('fk_ingest_outbox_batch_id_batches')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_outbox')),
                    sa.UniqueConstraint('batch_id', 'hook', name=op.f('uq_ingest_outbox_batch_id_hook')))
    op.create_index('ix_ingest_outbox_pending', 'ingest_outbox', ['applied_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_ingest_outbox_pending', table_name='ingest_outbox')
    op.drop_table('ingest_outbox')
