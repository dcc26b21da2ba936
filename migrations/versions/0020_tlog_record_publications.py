"""every record's publication is provable: per-batch publication leaves

Each record a batch publishes is a leaf of the batch's RFC 9162 sub-tree, whose root the
batch's audit entry carries (issue 12: "every publication of a record is an entry"); the
audit log indexed by target, so a report's or a batch's entry is found for its proof without
a scan of the log.

Revision ID: 0020_tlog
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_tlog'
down_revision = '0020_portal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_target', 'audit_log', ['target_type', 'target_id'])
    op.create_table('transparency_publications',
                    sa.Column('batch_id', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('record_id', sa.BigInteger(), nullable=False),
                    sa.Column('leaf', sa.Text(), nullable=False),
                    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('batch_id', 'position', name=op.f('pk_transparency_publications')))
    op.create_index('ix_transparency_publications_record', 'transparency_publications', ['record_id', 'batch_id'])
    op.create_table('transparency_publication_nodes',
                    sa.Column('batch_id', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
                    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('batch_id', 'level', 'idx', name=op.f('pk_transparency_publication_nodes')))


def downgrade() -> None:
    op.drop_table('transparency_publication_nodes')
    op.drop_index('ix_transparency_publications_record', table_name='transparency_publications')
    op.drop_table('transparency_publications')
    op.drop_index('ix_audit_log_target', table_name='audit_log')
