"""credit reports in English: the language a report was issued in

Issue 13 point 3: a reader of the English pages obtains the credit report in English. The
language is chosen at issue and stored with the report, so the stored signed bytes and their
verification stay one-to-one; every earlier report was issued in Chinese.

Revision ID: 0022_pdfen
Revises: 0021_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_pdfen'
down_revision = '0021_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issued_reports') as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=8), nullable=False, server_default='zh'))


def downgrade() -> None:
    with op.batch_alter_table('issued_reports') as batch_op:
        batch_op.drop_column('lang')
