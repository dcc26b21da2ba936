"""the public transparency log: Merkle leaves, complete subtree nodes, signed tree heads

The audit entries become the leaves of an RFC 9162 Merkle tree whose signed heads are
published outside the database (issue 12); proofs read O(log n) nodes by primary key.

Revision ID: 0015_merkle
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

TimestampTZ = sa.DateTime(timezone=True)

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transparency_leaves',
                    sa.Column('leaf_index', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('entry_id', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('leaf_index', name=op.f('pk_transparency_leaves')),
                    sa.UniqueConstraint('entry_id', name=op.f('uq_transparency_leaves_entry_id')))
    op.create_table('transparency_nodes',
                    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
                    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_transparency_nodes')))
    op.create_table('transparency_heads',
                    sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('root_hash', sa.String(length=64), nullable=False),
                    sa.Column('at', TimestampTZ, nullable=False),
                    sa.Column('key_id', sa.String(length=64), nullable=False),
                    sa.Column('signature', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_transparency_heads')))
    op.create_table('transparency_state',
                    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('tree_size', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_transparency_state')))
    op.create_table('transparency_pending',
                    sa.Column('entry_id', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_transparency_pending')))
    # entries written before this revision wait for the sequencer like new ones
    op.execute('INSERT INTO transparency_pending (entry_id) SELECT id FROM audit_log')


def downgrade() -> None:
    op.drop_table('transparency_pending')
    op.drop_table('transparency_state')
    op.drop_table('transparency_heads')
    op.drop_table('transparency_nodes')
    op.drop_table('transparency_leaves')
