"""bulletins: 通知公告 / 政策法规 published by the credit department, with attachments;
an index for the portal's newest 双公示 records

Revision ID: 0020_portal
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

# the portable types of xinyong.models.base, written out (a migration never imports app code)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0020_portal'
down_revision = '0020_bench'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bulletins',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=False),
        sa.Column('document_no', sa.String(length=64), nullable=True),
        sa.Column('related_path', sa.String(length=200), nullable=True),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('withdraw_reason', sa.Text(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TimestampTZ, nullable=False),
        sa.Column('updated_at', TimestampTZ, nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_bulletins_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins')),
    )
    op.create_index('ix_bulletins_category_status_date', 'bulletins', ['category', 'status', 'published_on'])
    op.create_table(
        'bulletin_attachments',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('bulletin_id', BigId, nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TimestampTZ, nullable=False),
        sa.Column('removed_at', TimestampTZ, nullable=True),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'],
                                name=op.f('fk_bulletin_attachments_bulletin_id_bulletins')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_bulletin_attachments_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_attachments')),
    )
    op.create_index('ix_bulletin_attachments_bulletin', 'bulletin_attachments', ['bulletin_id'])
    # the portal's 双公示 lists: newest decisions across subjects, by type
    op.create_index('ix_records_item_date', 'records', ['item_code', 'decision_date', 'id'])


def downgrade() -> None:
    op.drop_index('ix_records_item_date', table_name='records')
    op.drop_index('ix_bulletin_attachments_bulletin', table_name='bulletin_attachments')
    op.drop_table('bulletin_attachments')
    op.drop_index('ix_bulletins_category_status_date', table_name='bulletins')
    op.drop_table('bulletins')
