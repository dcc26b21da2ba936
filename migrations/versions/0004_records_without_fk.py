"""records without per-row foreign-key checks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:57:54.982294
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_records_subject_id_subjects'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_records_source_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_records_batch_id_batches'), type_='foreignkey')



def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_records_batch_id_batches'), 'batches', ['batch_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_records_source_agency_id_agencies'), 'agencies', ['source_agency_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_records_subject_id_subjects'), 'subjects', ['subject_id'], ['id'])

