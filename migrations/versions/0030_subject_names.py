"""subject names searched in a table of their own, kept after a batch's commit

Issue 14 point 2: the name-search (trigram) index kept off the bulk path's critical path. The
trigram GIN index moves from ``subjects.name`` to ``subject_names``: a batch's merge of new
subjects no longer extracts their trigrams inside its transaction (14-17 ms of a daily batch's
merge, ~7 us a new subject); the outbox copies the names of the subjects a batch created after
its commit (xinyong/subjects/hooks.py), and until then a search finds them by the batch's id
range (``batches.subjects_from`` / ``subjects_to``; xinyong/subjects/names.py).

Revision ID: 0030_subject_names
Revises: 0029_peer_persons
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

revision = '0030_subject_names'
down_revision = '0029_peer_persons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'subject_names',
        sa.Column('subject_id', BigId, nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_names_subject_id_subjects')),
        sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_subject_names')),
    )
    with op.batch_alter_table('batches') as batch_op:
        batch_op.add_column(sa.Column('subjects_from', BigId, nullable=True))
        batch_op.add_column(sa.Column('subjects_to', BigId, nullable=True))
    op.execute("INSERT INTO subject_names (subject_id, name, kind) SELECT id, name, kind FROM subjects")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_subjects_name_trgm")
        op.execute("CREATE INDEX ix_subject_names_name_trgm ON subject_names USING gin (name gin_trgm_ops)")
        op.execute("ANALYZE subject_names")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_subject_names_name_trgm")
        op.execute("CREATE INDEX ix_subjects_name_trgm ON subjects USING gin (name gin_trgm_ops)")
    with op.batch_alter_table('batches') as batch_op:
        batch_op.drop_column('subjects_to')
        batch_op.drop_column('subjects_from')
    op.drop_table('subject_names')
