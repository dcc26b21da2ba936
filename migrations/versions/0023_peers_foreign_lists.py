"""peer platforms: pinned peer certificates and the punitive list entries peers publish

Issue 15 point 5 (QZ art. 6, FZ art. 7): two cities recognise each other's credit reports and
apply each other's punitive lists. A peer's certificate is kept only when its SHA-256 matches
the pinned fingerprint; foreign entries keep the origin's decision, citation and removal.

Revision ID: 0023_peers
Revises: 0023_stateless
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0023_peers'
down_revision = '0023_sm2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'peer_certificates',
        sa.Column('peer', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('pem', sa.Text(), nullable=False),
        sa.Column('source_url', sa.Text(), nullable=False),
        sa.Column('fetched_at', TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint('peer', name=op.f('pk_peer_certificates')),
    )
    op.create_table(
        'foreign_list_entries',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('peer', sa.String(length=64), nullable=False),
        sa.Column('origin_entry_id', BigId, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('listed_on', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('decision_ref', sa.String(length=128), nullable=False),
        sa.Column('decision_url', sa.Text(), nullable=False),
        sa.Column('legal_basis', sa.Text(), nullable=False),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('removed_on', sa.Date(), nullable=True),
        sa.Column('removal_reason', sa.String(length=64), nullable=True),
        sa.Column('synced_at', TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_foreign_list_entries')),
        sa.UniqueConstraint('peer', 'origin_entry_id', name='uq_foreign_list_entries_origin'),
    )
    op.create_index('ix_foreign_list_entries_uscc', 'foreign_list_entries', ['uscc', 'status'])


def downgrade() -> None:
    op.drop_index('ix_foreign_list_entries_uscc', table_name='foreign_list_entries')
    op.drop_table('foreign_list_entries')
    op.drop_table('peer_certificates')
