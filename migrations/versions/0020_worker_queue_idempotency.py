"""the worker's job queue and schedules; batches keep their Idempotency-Key

Issue 16 points 1 and 5: deferred and time-driven work is a durable queue any number of workers
share (claimed with SKIP LOCKED on PostgreSQL, compare-and-set on SQLite, leases that expire);
a batch upload's idempotency key is stored on the batch row itself, so a crash stores both or
neither, and one agency cannot have two batches under one key.

Revision ID: 0020_worker
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0020_worker'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_jobs',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('kind', sa.String(length=64), nullable=False),
                    sa.Column('payload', JSON, nullable=False),
                    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
                    sa.Column('schedule', sa.String(length=64), nullable=True),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('max_attempts', sa.Integer(), nullable=False),
                    sa.Column('run_at', TimestampTZ, nullable=False),
                    sa.Column('locked_by', sa.String(length=120), nullable=True),
                    sa.Column('lease_until', TimestampTZ, nullable=True),
                    sa.Column('heartbeat_at', TimestampTZ, nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.Column('started_at', TimestampTZ, nullable=True),
                    sa.Column('finished_at', TimestampTZ, nullable=True),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('result', JSON, nullable=True),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_jobs')),
                    sa.UniqueConstraint('dedupe_key', name=op.f('uq_worker_jobs_dedupe_key')))
    op.create_index('ix_worker_jobs_status_run_at', 'worker_jobs', ['status', 'run_at'])
    op.create_index(op.f('ix_worker_jobs_kind'), 'worker_jobs', ['kind'])
    op.create_table('worker_schedules',
                    sa.Column('name', sa.String(length=64), nullable=False),
                    sa.Column('spec', sa.String(length=64), nullable=False),
                    sa.Column('next_run_at', TimestampTZ, nullable=False),
                    sa.Column('last_enqueued_at', TimestampTZ, nullable=True),
                    sa.Column('last_job_id', BigId, nullable=True),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_schedules')))
    with op.batch_alter_table('batches') as batch:
        batch.add_column(sa.Column('idempotency_key', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('request_sha256', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f('uq_batches_agency_id_idempotency_key'),
                                       ['agency_id', 'idempotency_key'])


def downgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.drop_constraint(op.f('uq_batches_agency_id_idempotency_key'), type_='unique')
        batch.drop_column('request_sha256')
        batch.drop_column('idempotency_key')
    op.drop_table('worker_schedules')
    op.drop_index(op.f('ix_worker_jobs_kind'), table_name='worker_jobs')
    op.drop_index('ix_worker_jobs_status_run_at', table_name='worker_jobs')
    op.drop_table('worker_jobs')
