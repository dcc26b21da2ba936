"""GB/T 38540 sealed signatures of reports and decision documents

While XINYONG_SEAL_ALGORITHMS includes sm2, a report or decision document issued keeps, beside
its detached SM2 signature, the GB/T 38540-2020 sealed signature (SES_Signature, DER) of the
same bytes: the platform's electronic seal (its picture, name, validity and certificate) and
the SM2 signature over the time of signing and the bytes' SM3 hash. Earlier ones carry none.

Revision ID: 0028_ses
Revises: 0027_json_fields
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_ses'
down_revision = '0027_json_fields'
branch_labels = None
depends_on = None

TABLES = ('issued_reports', 'documents')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('ses_signature', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('ses_signature')
