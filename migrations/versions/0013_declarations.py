"""declarations: self-declared information of subjects (QZ art. 13, FZ art. 10 para. 2)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

# the portable types of xinyong.models.base, written out (a migration never imports app code)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'declarations',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('subject_id', BigId, nullable=False),
        sa.Column('form', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('pledge_accepted_at', TimestampTZ, nullable=False),
        sa.Column('declared_by', sa.Integer(), nullable=False),
        sa.Column('declared_at', TimestampTZ, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('withdrawn_at', TimestampTZ, nullable=True),
        sa.Column('withdrawn_by', sa.Integer(), nullable=True),
        sa.Column('withdrawn_as', sa.String(length=16), nullable=True),
        sa.Column('withdraw_reason', sa.Text(), nullable=True),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.Column('created_at', TimestampTZ, nullable=False),
        sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_declarations_subject_id_subjects')),
        sa.ForeignKeyConstraint(['declared_by'], ['users.id'], name=op.f('fk_declarations_declared_by_users')),
        sa.ForeignKeyConstraint(['withdrawn_by'], ['users.id'], name=op.f('fk_declarations_withdrawn_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_declarations')),
    )
    op.create_index('ix_declarations_subject_status', 'declarations', ['subject_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_declarations_subject_status', table_name='declarations')
    op.drop_table('declarations')
