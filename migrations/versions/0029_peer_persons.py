"""peer platforms: natural persons exchanged under the region's pseudonym

QZ art. 6, FZ art. 7 (regional cooperation) with PIPL art. 51 (de-identification): a peer's
punitive entry of a natural person names the person by HMAC-SM3 of the region's shared key over
the resident ID (``person_token``), never by the number, so an entry names either a USCC or a
token; and a local person's token, derived once with the opening of the number audited, is kept
under the key it was derived with (``peer_tokens``); the nonces of signed peer requests are kept
while fresh, so that each is accepted once (``peer_requests``).

Revision ID: 0029_peer_persons
Revises: 0028_ses
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0029_peer_persons'
down_revision = '0028_ses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('foreign_list_entries') as batch_op:
        batch_op.alter_column('uscc', existing_type=sa.String(length=18), nullable=True)
        batch_op.add_column(sa.Column('person_token', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f('ck_foreign_list_entries_one_subject'),
                                         '(uscc IS NULL) <> (person_token IS NULL)')
    op.create_index('ix_foreign_list_entries_person', 'foreign_list_entries', ['person_token', 'status'])
    op.create_table(
        'peer_tokens',
        sa.Column('subject_id', BigId, nullable=False),
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('derived_at', TimestampTZ, nullable=False),
        sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_peer_tokens_subject_id_subjects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_peer_tokens')),
    )
    op.create_table(
        'peer_requests',
        sa.Column('peer', sa.String(length=64), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('at', TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint('peer', 'nonce', name=op.f('pk_peer_requests')),
    )
    op.create_index('ix_peer_requests_at', 'peer_requests', ['at'])


def downgrade() -> None:
    op.drop_index('ix_peer_requests_at', table_name='peer_requests')
    op.drop_table('peer_requests')
    op.drop_table('peer_tokens')
    op.drop_index('ix_foreign_list_entries_person', table_name='foreign_list_entries')
    op.execute("DELETE FROM foreign_list_entries WHERE uscc IS NULL")
    with op.batch_alter_table('foreign_list_entries') as batch_op:
        batch_op.drop_constraint(op.f('ck_foreign_list_entries_one_subject'), type_='check')
        batch_op.drop_column('person_token')
        batch_op.alter_column('uscc', existing_type=sa.String(length=18), nullable=False)
