"""credit repair (信用修复): applications and their materials

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('repair_applications',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('record_id', BIG, nullable=False),
    sa.Column('source_agency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('applicant_user_id', sa.Integer(), nullable=True),
    sa.Column('filed_by', sa.Integer(), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('regime', sa.String(length=32), nullable=False),
    sa.Column('eligibility_citation', sa.Text(), nullable=False),
    sa.Column('required_materials', JSON, nullable=False),
    sa.Column('reasons', JSON, nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('repaired_on', sa.Date(), nullable=True),
    sa.Column('repair_citation', sa.Text(), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_kind', sa.String(length=24), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revocation_citation', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_user_id'], ['users.id'], name=op.f('fk_repair_applications_applicant_user_id_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_repair_applications_decided_by_users')),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_repair_applications_filed_by_users')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_repair_applications_revoked_by_users')),
    sa.ForeignKeyConstraint(['source_agency_id'], ['agencies.id'], name=op.f('fk_repair_applications_source_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_applications'))
    )
    op.create_index('ix_repair_applications_queue', 'repair_applications', ['source_agency_id', 'status'], unique=False)
    op.create_index('ix_repair_applications_record', 'repair_applications', ['record_id'], unique=False)
    op.create_index('ix_repair_applications_subject', 'repair_applications', ['subject_id', 'received_on'], unique=False)
    op.create_table('repair_materials',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('application_id', BIG, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['repair_applications.id'], name=op.f('fk_repair_materials_application_id_repair_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_repair_materials_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_materials'))
    )
    op.create_index('ix_repair_materials_application', 'repair_materials', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_repair_materials_application', table_name='repair_materials')
    op.drop_table('repair_materials')
    op.drop_index('ix_repair_applications_subject', table_name='repair_applications')
    op.drop_index('ix_repair_applications_record', table_name='repair_applications')
    op.drop_index('ix_repair_applications_queue', table_name='repair_applications')
    op.drop_table('repair_applications')
