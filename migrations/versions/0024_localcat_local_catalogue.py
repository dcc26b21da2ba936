"""the local supplementary catalogue (地方补充目录): items kept by staff, one version per change

Issue 15 point 1: local items live in the database, each change an append-only version (who,
when, why, the whole definition); a token replaced by each change tells every app node to reload;
a batch records the local item version it came in under.

Revision ID: 0024_localcat
Revises: 0023_upstream
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
Json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0024_localcat'
down_revision = '0024_docseal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('local_catalogue_items',
                    sa.Column('code', sa.String(length=64), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('current_version', sa.Integer(), nullable=False),
                    sa.Column('updated_at', TimestampTZ, nullable=False),
                    sa.PrimaryKeyConstraint('code', name=op.f('pk_local_catalogue_items')))
    op.create_table('local_catalogue_versions',
                    sa.Column('id', BigId, autoincrement=True, nullable=False),
                    sa.Column('code', sa.String(length=64), nullable=False),
                    sa.Column('version', sa.Integer(), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column('definition', Json, nullable=False),
                    sa.Column('reason', sa.Text(), nullable=False),
                    sa.Column('author_id', sa.Integer(), nullable=True),
                    sa.Column('author_name', sa.String(length=200), nullable=False),
                    sa.Column('created_at', TimestampTZ, nullable=False),
                    sa.ForeignKeyConstraint(['code'], ['local_catalogue_items.code'],
                                            name=op.f('fk_local_catalogue_versions_code_local_catalogue_items')),
                    sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                            name=op.f('fk_local_catalogue_versions_author_id_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_catalogue_versions')),
                    sa.UniqueConstraint('code', 'version', name=op.f('uq_local_catalogue_versions_code_version')))
    op.create_table('local_catalogue_state',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('token', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_catalogue_state')))
    with op.batch_alter_table('batches') as batch:
        batch.add_column(sa.Column('item_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.drop_column('item_version')
    op.drop_table('local_catalogue_state')
    op.drop_table('local_catalogue_versions')
    op.drop_table('local_catalogue_items')
