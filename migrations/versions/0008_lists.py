"""lists: listing proposals, the records they rest on, and list entries (QZ art. 22-23; FZ art. 14, 16-18)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('list_proposals',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('proposing_org_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=True),
    sa.Column('criteria', JSON, nullable=False),
    sa.Column('lenient_flags', JSON, nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('removal_conditions', sa.Text(), nullable=False),
    sa.Column('period_months', sa.Integer(), nullable=False),
    sa.Column('responsible_persons', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('notice_sent_on', sa.Date(), nullable=True),
    sa.Column('objection_text', sa.Text(), nullable=True),
    sa.Column('objection_on', sa.Date(), nullable=True),
    sa.Column('objection_outcome', sa.String(length=16), nullable=True),
    sa.Column('objection_reply', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_list_proposals_created_by_users')),
    sa.ForeignKeyConstraint(['proposing_org_id'], ['agencies.id'], name=op.f('fk_list_proposals_proposing_org_id_agencies')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_list_proposals_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_proposals'))
    )
    op.create_index('ix_list_proposals_org_status', 'list_proposals', ['proposing_org_id', 'status'], unique=False)
    op.create_index('ix_list_proposals_subject', 'list_proposals', ['subject_id', 'kind'], unique=False)
    op.create_table('list_basis_records',
    sa.Column('proposal_id', BIG, nullable=False),
    sa.Column('record_id', BIG, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['list_proposals.id'], name=op.f('fk_list_basis_records_proposal_id_list_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'record_id', name=op.f('pk_list_basis_records'))
    )
    op.create_index('ix_list_basis_records_record', 'list_basis_records', ['record_id'], unique=False)
    op.create_table('list_entries',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('proposal_id', BIG, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=48), nullable=True),
    sa.Column('proposing_org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('removal_reason', sa.String(length=24), nullable=True),
    sa.Column('removal_note', sa.Text(), nullable=True),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['list_proposals.id'], name=op.f('fk_list_entries_proposal_id_list_proposals')),
    sa.ForeignKeyConstraint(['proposing_org_id'], ['agencies.id'], name=op.f('fk_list_entries_proposing_org_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entries')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_list_entries_proposal_id'))
    )
    op.create_index('ix_list_entries_kind_status', 'list_entries', ['kind', 'status', 'listed_on'], unique=False)
    op.create_index('ix_list_entries_status_end', 'list_entries', ['status', 'period_end'], unique=False)
    op.create_index('ix_list_entries_subject_status', 'list_entries', ['subject_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_table('list_entries')
    op.drop_table('list_basis_records')
    op.drop_table('list_proposals')
