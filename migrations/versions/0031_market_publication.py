"""market information published only under the subject's authorisation to publish it

QZ art. 15 item 3 (nobody discloses social credit information not authorised for publication)
with art. 12 para. 2: a subject's written authorisation lets a provider share an item with the
platform; ``publication`` records that the subject also authorised its publication. Existing
authorisations read as sharing only: their information leaves public view and stays in the
subject's own.

Revision ID: 0031_market_publication
Revises: 0030_subject_names
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_market_publication'
down_revision = '0030_subject_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('market_authorisations') as batch_op:
        batch_op.add_column(sa.Column('publication', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('market_authorisations') as batch_op:
        batch_op.drop_column('publication')
