"""register of credit service agencies; complaints against them; sector authorities

Issue 15 points 3 and 6 (QZ art. 30 para. 2, 40-42; FZ art. 27): the credit department's
register of credit service agencies (filing, published rules, supervision records), complaints
carrying a category and the agency complained about, and the organisations competent for a key
occupational group.

Revision ID: 0024_register
Revises: 0023_upstream
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0024_register'
down_revision = '0024_localcat'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_service_agencies',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('uscc', sa.String(length=18), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.Column('filing_no', sa.String(length=64), nullable=False),
                    sa.Column('filed_on', sa.Date(), nullable=False),
                    sa.Column('business_scope', sa.Text(), nullable=False),
                    sa.Column('contact', sa.Text(), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('status_reason', sa.Text(), nullable=True),
                    sa.Column('created_by', sa.Integer(), nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.Column('updated_at', TimestampTZ, nullable=True),
                    sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                            name=op.f('fk_credit_service_agencies_created_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_service_agencies')),
                    sa.UniqueConstraint('uscc', name=op.f('uq_credit_service_agencies_uscc')),
                    sa.UniqueConstraint('filing_no', name=op.f('uq_credit_service_agencies_filing_no')))
    op.create_table('credit_service_rules',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('credit_service_id', BigId, nullable=False),
                    sa.Column('kind', sa.String(length=16), nullable=False),
                    sa.Column('heading', sa.String(length=400), nullable=False),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.Column('channel', sa.Text(), nullable=False),
                    sa.Column('published_on', sa.Date(), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('created_by', sa.Integer(), nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.ForeignKeyConstraint(['credit_service_id'], ['credit_service_agencies.id'],
                                            name=op.f('fk_credit_service_rules_credit_service_id_credit_service_agencies')),
                    sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                            name=op.f('fk_credit_service_rules_created_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_service_rules')))
    op.create_index('ix_credit_service_rules_agency', 'credit_service_rules', ['credit_service_id', 'status', 'kind'])
    op.create_table('credit_service_supervisions',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('credit_service_id', BigId, nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('inspected_on', sa.Date(), nullable=False),
                    sa.Column('department', sa.String(length=200), nullable=False),
                    sa.Column('findings', sa.Text(), nullable=False),
                    sa.Column('outcome', sa.String(length=32), nullable=False),
                    sa.Column('basis', sa.Text(), nullable=False),
                    sa.Column('rectification_due', sa.Date(), nullable=True),
                    sa.Column('rectified_on', sa.Date(), nullable=True),
                    sa.Column('rectification', sa.Text(), nullable=True),
                    sa.Column('created_by', sa.Integer(), nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.ForeignKeyConstraint(['credit_service_id'], ['credit_service_agencies.id'],
                                            name=op.f('fk_credit_service_supervisions_credit_service_id_credit_service_agencies')),
                    sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                            name=op.f('fk_credit_service_supervisions_created_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_service_supervisions')))
    op.create_index('ix_credit_service_supervisions_agency', 'credit_service_supervisions',
                    ['credit_service_id', 'inspected_on'])
    op.create_table('sector_authorities',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('profession', sa.String(length=32), nullable=False),
                    sa.Column('active', sa.Boolean(), nullable=False),
                    sa.Column('assigned_by', sa.Integer(), nullable=True),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sector_authorities_agency_id_agencies')),
                    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], name=op.f('fk_sector_authorities_assigned_by_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_authorities')),
                    sa.UniqueConstraint('agency_id', 'profession', name=op.f('uq_sector_authorities_agency_id_profession')))
    op.add_column('complaints', sa.Column('category', sa.String(length=32), nullable=True))
    op.add_column('complaints', sa.Column('credit_service_id', BigId, nullable=True))
    op.create_index('ix_complaints_credit_service_id', 'complaints', ['credit_service_id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # batch mode recreates complaints, which other tables reference: check the keys at commit
        op.execute("PRAGMA defer_foreign_keys=ON")
    op.drop_index('ix_complaints_credit_service_id', table_name='complaints')
    with op.batch_alter_table('complaints') as batch:
        batch.drop_column('credit_service_id')
        batch.drop_column('category')
    op.drop_table('sector_authorities')
    op.drop_index('ix_credit_service_supervisions_agency', table_name='credit_service_supervisions')
    op.drop_table('credit_service_supervisions')
    op.drop_index('ix_credit_service_rules_agency', table_name='credit_service_rules')
    op.drop_table('credit_service_rules')
    op.drop_table('credit_service_agencies')
