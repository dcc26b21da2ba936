"""reports: issued credit reports (signed PDFs, verification codes) and verification attempts

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

# the portable types of xinyong.models.base, written out (a migration never imports app code)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
TimestampTZ = sa.DateTime(timezone=True)


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issued_reports',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject_id', BigId, nullable=False),
        sa.Column('subject_name_masked', sa.String(length=300), nullable=False),
        sa.Column('requester_user_id', BigId, nullable=True),
        sa.Column('requester_org_id', BigId, nullable=True),
        sa.Column('requester_role', sa.String(length=32), nullable=False),
        sa.Column('basis_kind', sa.String(length=32), nullable=True),
        sa.Column('basis_ref', sa.String(length=200), nullable=True),
        sa.Column('params', Json, nullable=False),
        sa.Column('finding', sa.String(length=32), nullable=True),
        sa.Column('record_count', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.Column('issued_at', TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_reports')),
        sa.UniqueConstraint('code', name=op.f('uq_issued_reports_code')),
        sa.UniqueConstraint('number', name=op.f('uq_issued_reports_number')),
    )
    op.create_index('ix_issued_reports_subject', 'issued_reports', ['subject_id', 'issued_at'])
    op.create_index('ix_issued_reports_sha256', 'issued_reports', ['sha256'])
    op.create_index('ix_issued_reports_requester', 'issued_reports', ['requester_user_id', 'issued_at'])
    op.create_table(
        'report_verifications',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('at', TimestampTZ, nullable=False),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=True),
        sa.Column('report_id', BigId, nullable=True),
        sa.Column('subject_id', BigId, nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('signature_valid', sa.Boolean(), nullable=True),
        sa.Column('hash_matches', sa.Boolean(), nullable=True),
        sa.Column('uploaded_sha256', sa.String(length=64), nullable=True),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('user_id', BigId, nullable=True),
        sa.Column('details', Json, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_verifications')),
    )
    op.create_index('ix_report_verifications_subject', 'report_verifications', ['subject_id', 'at'])
    op.create_index('ix_report_verifications_report', 'report_verifications', ['report_id'])


def downgrade() -> None:
    op.drop_index('ix_report_verifications_report', table_name='report_verifications')
    op.drop_index('ix_report_verifications_subject', table_name='report_verifications')
    op.drop_table('report_verifications')
    op.drop_index('ix_issued_reports_requester', table_name='issued_reports')
    op.drop_index('ix_issued_reports_sha256', table_name='issued_reports')
    op.drop_index('ix_issued_reports_subject', table_name='issued_reports')
    op.drop_table('issued_reports')
