"""listing proposals record why a platform-raised lenient-handling case was not followed;
authorisations record who signed them

QZ art. 21: the platform flags what it can know (a natural person under 18 at the date of the
act, from the birth date in the resident ID); proceeding without leniency needs a recorded reason.
FZ art. 13, QZ art. 33: a written authorisation records its signatory, the capacity, and an
agent's power of attorney, so a query's basis can be checked later.

Revision ID: 0015_lawb
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('list_proposals') as batch:
        batch.add_column(sa.Column('platform_lenient_flags', JSON, nullable=True))
        batch.add_column(sa.Column('lenient_waiver_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('authorisations') as batch:
        batch.add_column(sa.Column('signatory_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('signatory_capacity', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('power_of_attorney', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('power_of_attorney_type', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('power_of_attorney_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('authorisations') as batch:
        for column in ('power_of_attorney_sha256', 'power_of_attorney_type', 'power_of_attorney',
                       'signatory_capacity', 'signatory_name'):
            batch.drop_column(column)
    with op.batch_alter_table('list_proposals') as batch:
        batch.drop_column('lenient_waiver_reason')
        batch.drop_column('platform_lenient_flags')
