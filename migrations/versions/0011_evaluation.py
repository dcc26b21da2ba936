"""evaluation: public credit evaluation results and contributions per model version, runs,
sector evaluations and their filed imports (QZ art. 16-17)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('evaluation_runs',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('subjects', sa.Integer(), nullable=False),
    sa.Column('contributions', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_evaluation_runs_started_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_runs'))
    )
    op.create_table('evaluation_results',
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('run_id', BIG, nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', 'model_version', 'run_id', name=op.f('pk_evaluation_results'))
    )
    op.create_index('ix_evaluation_results_version_grade', 'evaluation_results', ['model_version', 'grade'],
                    unique=False)
    op.create_table('evaluation_contributions',
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('run_id', BIG, nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=64), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', 'model_version', 'run_id', 'indicator',
                            name=op.f('pk_evaluation_contributions'))
    )
    op.create_table('sector_imports',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sector_imports_agency_id_agencies')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_sector_imports_submitted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_imports'))
    )
    op.create_table('sector_evaluations',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('subject_id', BIG, nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('import_id', BIG, nullable=False),
    sa.Column('sector', sa.String(length=64), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('published', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sector_evaluations_agency_id_agencies')),
    sa.ForeignKeyConstraint(['import_id'], ['sector_imports.id'],
                            name=op.f('fk_sector_evaluations_import_id_sector_imports')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_sector_evaluations_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_evaluations')),
    sa.UniqueConstraint('subject_id', 'agency_id', 'sector', 'evaluated_on', name='uq_sector_evaluations_key')
    )
    op.create_index('ix_sector_evaluations_subject_time', 'sector_evaluations', ['subject_id', 'evaluated_on'],
                    unique=False)
    # the recompute's covering index over records (xinyong/models/evaluation.py)
    op.create_index('ix_records_evaluation', 'records', ['subject_id'], unique=False,
                    postgresql_include=['item_code', 'decision_date', 'severity', 'status', 'under_objection'],
                    postgresql_where=sa.text('under_objection IS NOT NULL'),
                    sqlite_where=sa.text('under_objection IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_records_evaluation', table_name='records')
    op.drop_index('ix_sector_evaluations_subject_time', table_name='sector_evaluations')
    op.drop_table('sector_evaluations')
    op.drop_table('sector_imports')
    op.drop_table('evaluation_contributions')
    op.drop_index('ix_evaluation_results_version_grade', table_name='evaluation_results')
    op.drop_table('evaluation_results')
    op.drop_table('evaluation_runs')
