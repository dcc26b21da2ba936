"""market credit information: providers and the subjects' written authorisations

Issue 15 point 2 (QZ art. 12; FZ art. 8, 10): organisations register as providers of market
credit information (business scope, 征信 licence, published objection rules and channel), and a
subject's written authorisation to a provider for an item, with its validity, is what a market
row is accepted under. Market records themselves are ordinary records (disclosure "market").

Revision ID: 0024_market
Revises: 0023_upstream
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0024_market'
down_revision = '0024_register'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('market_providers',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                              nullable=False),
                    sa.Column('credit_reporting_licence', sa.String(length=100), nullable=True),
                    sa.Column('objection_rules', sa.Text(), nullable=False),
                    sa.Column('objection_channel', sa.String(length=500), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('applied_by', sa.Integer(), nullable=True),
                    sa.Column('applied_at', TimestampTZ, nullable=False),
                    sa.Column('decided_by', sa.Integer(), nullable=True),
                    sa.Column('decided_at', TimestampTZ, nullable=True),
                    sa.Column('decision_reason', sa.Text(), nullable=True),
                    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                            name=op.f('fk_market_providers_agency_id_agencies')),
                    sa.ForeignKeyConstraint(['applied_by'], ['users.id'],
                                            name=op.f('fk_market_providers_applied_by_users')),
                    sa.ForeignKeyConstraint(['decided_by'], ['users.id'],
                                            name=op.f('fk_market_providers_decided_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_providers')),
                    sa.UniqueConstraint('agency_id', name=op.f('uq_market_providers_agency_id')))
    op.create_table('market_authorisations',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('subject_id', BigId, nullable=False),
                    sa.Column('provider_id', sa.Integer(), nullable=False),
                    sa.Column('item_code', sa.String(length=64), nullable=False),
                    sa.Column('valid_from', sa.Date(), nullable=False),
                    sa.Column('valid_to', sa.Date(), nullable=True),
                    sa.Column('wording', sa.Text(), nullable=False),
                    sa.Column('granted_by', sa.Integer(), nullable=True),
                    sa.Column('granted_at', TimestampTZ, nullable=False),
                    sa.Column('revoked_at', TimestampTZ, nullable=True),
                    sa.Column('revoked_by', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                                            name=op.f('fk_market_authorisations_subject_id_subjects')),
                    sa.ForeignKeyConstraint(['provider_id'], ['market_providers.id'],
                                            name=op.f('fk_market_authorisations_provider_id_market_providers')),
                    sa.ForeignKeyConstraint(['granted_by'], ['users.id'],
                                            name=op.f('fk_market_authorisations_granted_by_users')),
                    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'],
                                            name=op.f('fk_market_authorisations_revoked_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_authorisations')))
    op.create_index('ix_market_authorisations_provider_item', 'market_authorisations',
                    ['provider_id', 'item_code', 'subject_id'])
    op.create_index('ix_market_authorisations_subject', 'market_authorisations', ['subject_id'])


def downgrade() -> None:
    op.drop_index('ix_market_authorisations_subject', table_name='market_authorisations')
    op.drop_index('ix_market_authorisations_provider_item', table_name='market_authorisations')
    op.drop_table('market_authorisations')
    op.drop_table('market_providers')
