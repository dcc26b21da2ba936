"""the SM2/SM3 seal of an issued report (issue 15 point 7)

A report issued while XINYONG_SEAL_ALGORITHMS includes sm2 keeps, beside its PAdES-signed PDF,
the detached SM2 signature (DER r, s; SM3 with the default user ID) of those exact bytes
(GB/T 38540-2020, GB/T 39786-2021). Earlier reports carry none.

Revision ID: 0023_sm2
Revises: 0022_pdfen
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_sm2'
down_revision = '0023_stateless'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issued_reports') as batch_op:
        batch_op.add_column(sa.Column('sm2_signature', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issued_reports') as batch_op:
        batch_op.drop_column('sm2_signature')
