"""complaints: four-eyes re-assignment requests; sealed addressee/recipient of complainants (QZ art. 37)

A complaint's result and its notification named the complainant's account in clear
(documents.addressee_user_id, notifications.recipient_user_id); they now carry a keyed
pseudonym (addressee_ref, recipient_ref). Rows written before are converted by
`xinyong keys rotate`, which needs the hash key a migration does not read.

Revision ID: 0015_complaints
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

# the portable types of xinyong.models.base, written out (a migration never imports app code)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'complaint_reassignments',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('complaint_id', BigId, nullable=False),
        sa.Column('from_user_id', sa.Integer(), nullable=False),
        sa.Column('to_user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=False),
        sa.Column('requested_at', TimestampTZ, nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', TimestampTZ, nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('citation', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_complaint_reassignments_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['from_user_id'], ['users.id'],
                                name=op.f('fk_complaint_reassignments_from_user_id_users')),
        sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], name=op.f('fk_complaint_reassignments_to_user_id_users')),
        sa.ForeignKeyConstraint(['requested_by'], ['users.id'],
                                name=op.f('fk_complaint_reassignments_requested_by_users')),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_complaint_reassignments_decided_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_reassignments')),
    )
    op.create_index('ix_complaint_reassignments_complaint', 'complaint_reassignments', ['complaint_id', 'status'])
    op.create_index('ix_complaint_reassignments_status', 'complaint_reassignments', ['status', 'id'])
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('addressee_ref', sa.String(length=64), nullable=True))
        batch.create_index('ix_documents_addressee_ref', ['addressee_ref'])
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('recipient_ref', sa.String(length=64), nullable=True))
        batch.create_index('ix_notifications_recipient_ref', ['recipient_ref'])


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_index('ix_notifications_recipient_ref')
        batch.drop_column('recipient_ref')
    with op.batch_alter_table('documents') as batch:
        batch.drop_index('ix_documents_addressee_ref')
        batch.drop_column('addressee_ref')
    op.drop_index('ix_complaint_reassignments_status', table_name='complaint_reassignments')
    op.drop_index('ix_complaint_reassignments_complaint', table_name='complaint_reassignments')
    op.drop_table('complaint_reassignments')
