"""complaints and reports (QZ art. 37); change-feed receivers and acknowledgements (QZ art. 36)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("subject_id", BigId, nullable=True),
        sa.Column("record_id", BigId, nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("identity_enc", sa.LargeBinary(), nullable=True),
        sa.Column("filer_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("handler_user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_complaints_handler_user_id_users"),
                  nullable=True),
        sa.Column("assigned_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_complaints_assigned_by_users"),
                  nullable=True),
        sa.Column("assigned_at", TimestampTZ, nullable=True),
        sa.Column("handling", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("handled_at", TimestampTZ, nullable=True),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("result_document_id", BigId, nullable=True),
        sa.Column("created_at", TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        sa.UniqueConstraint("tracking_code", name="uq_complaints_tracking_code"),
    )
    op.create_index("ix_complaints_status", "complaints", ["status", "id"])
    op.create_index("ix_complaints_handler", "complaints", ["handler_user_id", "status"])
    op.create_index("ix_complaints_subject_id", "complaints", ["subject_id"])
    op.create_index("ix_complaints_filer_hash", "complaints", ["filer_hash"])

    op.create_table(
        "feed_receivers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("agencies.id", name="fk_feed_receivers_org_id_agencies"),
                  nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("start_after_event_id", BigId, nullable=False),
        sa.Column("acked_through_id", BigId, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.Integer(), sa.ForeignKey("users.id", name="fk_feed_receivers_registered_by_users"),
                  nullable=True),
        sa.Column("registered_at", TimestampTZ, nullable=False),
        sa.Column("last_ack_at", TimestampTZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_receivers"),
        sa.UniqueConstraint("org_id", name="uq_feed_receivers_org_id"),
    )
    op.create_table(
        "feed_acks",
        sa.Column("receiver_id", BigId, sa.ForeignKey("feed_receivers.id", ondelete="CASCADE",
                                                      name="fk_feed_acks_receiver_id_feed_receivers"), nullable=False),
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("acked_at", TimestampTZ, nullable=False),
        sa.PrimaryKeyConstraint("receiver_id", "event_id", name="pk_feed_acks"),
    )
    op.create_index("ix_feed_events_record_kind", "feed_events", ["record_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_feed_events_record_kind", table_name="feed_events")
    op.drop_table("feed_acks")
    op.drop_table("feed_receivers")
    op.drop_index("ix_complaints_filer_hash", table_name="complaints")
    op.drop_index("ix_complaints_subject_id", table_name="complaints")
    op.drop_index("ix_complaints_handler", table_name="complaints")
    op.drop_index("ix_complaints_status", table_name="complaints")
    op.drop_table("complaints")
