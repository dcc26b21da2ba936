"""objections (异议) to records and their evidence files

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('objections',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('record_id', BIG, nullable=False),
    sa.Column('open_record_id', BIG, nullable=True),
    sa.Column('source_agency_id', sa.Integer(), nullable=False),
    sa.Column('grounds', JSON, nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('requested_change', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('agent_authorisation_ref', sa.String(length=200), nullable=True),
    sa.Column('filed_by', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('changes', JSON, nullable=False),
    sa.Column('record_version_before', sa.Integer(), nullable=True),
    sa.Column('document_id', BIG, nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_objections_decided_by_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_objections_document_id_documents')),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_objections_filed_by_users')),
    sa.ForeignKeyConstraint(['source_agency_id'], ['agencies.id'], name=op.f('fk_objections_source_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections')),
    sa.UniqueConstraint('open_record_id', name=op.f('uq_objections_open_record_id'))
    )
    op.create_index('ix_objections_agency_status', 'objections', ['source_agency_id', 'status'], unique=False)
    op.create_index('ix_objections_record', 'objections', ['record_id'], unique=False)
    op.create_index('ix_objections_subject_filed', 'objections', ['subject_id', 'filed_at'], unique=False)
    op.create_table('objection_evidence',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('objection_id', BIG, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['objection_id'], ['objections.id'], name=op.f('fk_objection_evidence_objection_id_objections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_objection_evidence_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_evidence'))
    )
    op.create_index('ix_objection_evidence_objection', 'objection_evidence', ['objection_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_objection_evidence_objection', table_name='objection_evidence')
    op.drop_table('objection_evidence')
    op.drop_index('ix_objections_subject_filed', table_name='objections')
    op.drop_index('ix_objections_record', table_name='objections')
    op.drop_index('ix_objections_agency_status', table_name='objections')
    op.drop_table('objections')
