"""listing proposals record why a platform-raised lenient-handling case was not followed

QZ art. 21: the platform flags what it can know (a natural person under 18 at the date of the
act, from the birth date in the resident ID); proceeding without leniency needs a recorded reason.

Revision ID: 0015_lawb
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0015_lawb'
down_revision = '0014'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('list_proposals') as batch:
        batch.add_column(sa.Column('platform_lenient_flags', JSON, nullable=True))
        batch.add_column(sa.Column('lenient_waiver_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('list_proposals') as batch:
        batch.drop_column('lenient_waiver_reason')
        batch.drop_column('platform_lenient_flags')
