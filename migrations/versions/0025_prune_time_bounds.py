"""times beside ids, so queries on the partitioned tables read only their months

Issue 16 point 6: queries on the month-partitioned tables must prune. Three kinds carried no
time: the feed after a cursor (an id), a record's history (entity, id) and audit entries looked
up by id. On PostgreSQL two statement triggers keep where such rows can be, in the transaction
that writes them and never by updating a shared row: ``feed_event_spans`` (per inserting
statement: its earliest created_at, its highest id) and ``history_months`` (the UTC months in
which an entity has history; ON CONFLICT DO NOTHING). Stored audit-entry references carry the
entry's time: ``transparency_pending.entry_at``, ``transparency_leaves.entry_at``, and a
complaint's ``identity_viewed_from`` (its first audited opening). Existing rows are converted
set-based (one statement per table); SQLite gets the columns (filled the same way) and the two
tables, which stay empty there: nothing is partitioned.

Revision ID: 0025_prune
Revises: 0024_market
"""
import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TimestampTZ = sa.DateTime(timezone=True)

revision = '0025_prune'
down_revision = '0024_market'
branch_labels = None
depends_on = None

UTC_MONTH = "CAST(date_trunc('month', {col} AT TIME ZONE 'UTC') AS date)"

TRIGGERS = {
    "feed_events": (
        "feed_events_spans",
        "INSERT INTO feed_event_spans (last_id, first_at) SELECT max(id), min(created_at) FROM new_rows "
        "HAVING count(*) > 0 ON CONFLICT DO NOTHING"),
    "history": (
        "history_months_of",
        "INSERT INTO history_months (entity, entity_id, month) "
        f"SELECT DISTINCT entity, entity_id, {UTC_MONTH.format(col='changed_at')} FROM new_rows "
        "ON CONFLICT DO NOTHING"),
}


def upgrade() -> None:
    op.create_table('feed_event_spans',
                    sa.Column('last_id', BigId, nullable=False),
                    sa.Column('first_at', TimestampTZ, nullable=False),
                    sa.PrimaryKeyConstraint('last_id', 'first_at', name=op.f('pk_feed_event_spans')))
    op.create_table('history_months',
                    sa.Column('entity', sa.String(length=32), nullable=False),
                    sa.Column('entity_id', sa.BigInteger(), nullable=False),
                    sa.Column('month', sa.Date(), nullable=False),
                    sa.PrimaryKeyConstraint('entity', 'entity_id', 'month', name=op.f('pk_history_months')))
    op.add_column('transparency_pending', sa.Column('entry_at', TimestampTZ, nullable=True))
    op.add_column('transparency_leaves', sa.Column('entry_at', TimestampTZ, nullable=True))
    op.add_column('complaints', sa.Column('identity_viewed_from', TimestampTZ, nullable=True))
    _convert()
    if op.get_bind().dialect.name == "postgresql":
        _fill_pg()
        for table, (name, body) in TRIGGERS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; "
                       "RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def _convert() -> None:
    """Existing references get their entry's time (UPDATE ... FROM: one join, both backends)."""
    for table in ("transparency_pending", "transparency_leaves"):
        op.execute(f"UPDATE {table} SET entry_at = a.at FROM audit_log a WHERE a.id = {table}.entry_id")
    op.execute("UPDATE complaints SET identity_viewed_from = o.first_at FROM "
               "(SELECT target_id, min(at) AS first_at FROM audit_log WHERE action = 'complaint.identity_viewed' "
               "AND target_type = 'complaint' GROUP BY target_id) o "
               "WHERE o.target_id = CAST(complaints.id AS VARCHAR(20))")


def _fill_pg() -> None:
    """Spans and months of the rows already there: one per UTC month (a coarser span is still a
    true bound: every event of the month lies at or after its earliest)."""
    op.execute("INSERT INTO feed_event_spans (last_id, first_at) SELECT max(id), min(created_at) FROM feed_events "
               f"GROUP BY {UTC_MONTH.format(col='created_at')} ON CONFLICT DO NOTHING")
    op.execute("INSERT INTO history_months (entity, entity_id, month) "
               f"SELECT DISTINCT entity, entity_id, {UTC_MONTH.format(col='changed_at')} FROM history")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, (name, _body) in TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table('complaints') as batch:
        batch.drop_column('identity_viewed_from')
    with op.batch_alter_table('transparency_leaves') as batch:
        batch.drop_column('entry_at')
    with op.batch_alter_table('transparency_pending') as batch:
        batch.drop_column('entry_at')
    op.drop_table('history_months')
    op.drop_table('feed_event_spans')
