"""decision documents signed like reports (issue 15 point 7)

A written decision (文书) is signed with the platform's PAdES signature when it is issued and,
while XINYONG_SEAL_ALGORITHMS includes sm2, sealed with SM2/SM3 over the signed bytes; the
detached SM2 signature is kept here. /verify finds a document by the SHA-256 of the uploaded
bytes, so that column gets an index (a public route must not scan every document).

Revision ID: 0024_docseal
Revises: 0023_upstream
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_docseal'
down_revision = '0023_upstream'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('sm2_signature', sa.LargeBinary(), nullable=True))
    op.create_index('ix_documents_sha256', 'documents', ['sha256'])


def downgrade() -> None:
    op.drop_index('ix_documents_sha256', table_name='documents')
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_column('sm2_signature')
