"""repair applications record the conditions the approver confirmed (FZ art. 21 para. 2)

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('repair_applications') as batch:
        batch.add_column(sa.Column('condition_confirmations', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('repair_applications') as batch:
        batch.drop_column('condition_confirmations')
