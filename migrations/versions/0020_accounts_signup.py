"""accounts people can get (issue 13 point 5): an e-mail address for reset links, the identity an
OpenID Connect provider proved (keyed hash + sealed number), one-time password-reset links and
OIDC sign-ins under way (state, nonce, PKCE verifier)

Revision ID: 0020_accounts
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_accounts'
down_revision = '0020_worker'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('identity_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('identity_enc', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('identity_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(op.f('uq_users_email'), ['email'])
        batch.create_index(op.f('ix_users_identity_hash'), ['identity_hash'], unique=False)
    op.create_table('password_resets',
    sa.Column('id', BigId, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    op.create_index(op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'], unique=False)
    op.create_table('identity_requests',
    sa.Column('id', BigId, nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_identity_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_requests')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_identity_requests_state_hash'))
    )
    op.create_index(op.f('ix_identity_requests_user_id'), 'identity_requests', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_identity_requests_user_id'), table_name='identity_requests')
    op.drop_table('identity_requests')
    op.drop_index(op.f('ix_password_resets_user_id'), table_name='password_resets')
    op.drop_table('password_resets')
    with op.batch_alter_table('users') as batch:
        batch.drop_index(op.f('ix_users_identity_hash'))
        batch.drop_constraint(op.f('uq_users_email'), type_='unique')
        batch.drop_column('identity_verified_at')
        batch.drop_column('identity_enc')
        batch.drop_column('identity_hash')
        batch.drop_column('email')
