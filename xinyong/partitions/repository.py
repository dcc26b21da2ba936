"""pg_partman's calls (PostgreSQL only): partitions made ahead, rows out of the default
partition, months dropped before a cutoff."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, cast, func, literal_column, select, text, true
from sqlalchemy.orm import Session

from xinyong.models import FeedEvent, History
from xinyong.models.feed import FeedEventSpan, FeedReceiver
from xinyong.models.history import HistoryMonth


def parent(table: str) -> str:
    return f"public.{table}"


def partitions(session: Session, table: str) -> list[str]:
    """The month partitions pg_partman manages (the default partition not among them)."""
    return list(session.execute(text("SELECT partition_tablename FROM partman.show_partitions(:p)"),
                                {"p": parent(table)}).scalars())


def move_default_rows(session: Session, table: str) -> int:
    """Rows that found no month partition (written later than the months made ahead, or with a
    clock set back) move to months of their own; otherwise the maintenance could not create
    a month whose rows already sit in the default partition."""
    moved = session.execute(text("SELECT partman.partition_data_time(:p, p_batch_count := 1000, "
                                 "p_analyze := false)"), {"p": parent(table)}).scalar()
    # pg_partman's work table lives until commit with this table's columns; the next table needs its own
    session.execute(text("DROP TABLE IF EXISTS partman_temp_data_storage"))
    return int(moved or 0)


def run_maintenance(session: Session) -> None:
    """Every partitioned table gets its months ahead (premake, part_config); pg_partman's own
    retention stays off (part_config.retention is NULL): the platform drops with its own clock."""
    session.execute(text("SELECT partman.run_maintenance(p_analyze := false, p_jobmon := false)"))


def drop_ended_before(session: Session, table: str, cutoff: dt.datetime) -> int:
    """Drop the month partitions that end at or before ``cutoff`` (never the default one)."""
    dropped = session.execute(text(
        "SELECT partman.drop_partition_time(:p, p_retention := interval '0 seconds', p_keep_table := false, "
        "p_reference_timestamp := :cutoff + interval '1 microsecond')"),
        {"p": parent(table), "cutoff": cutoff}).scalar()
    return int(dropped or 0)


def oldest_unacknowledged_event_at(session: Session) -> dt.datetime | None:
    """When the oldest event that some active receiver has not acknowledged was written (events
    above a receiver's watermark count as unacknowledged even when acknowledged one by one)."""
    lowest = select(func.min(func.greatest(FeedReceiver.acked_through_id, FeedReceiver.start_after_event_id))
                    ).where(FeedReceiver.active.is_(True)).scalar_subquery()
    return session.scalar(select(func.min(FeedEvent.created_at)).where(FeedEvent.id > lowest,
                                                                      events_after(session, lowest)))


# ---- where rows can be: the time bounds that let a query without a time prune (PostgreSQL) ----------

def partitioned(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def events_after(session: Session, after, events=FeedEvent):
    """A condition on feed_events (``events``: the table or an alias of it) true of every event
    with id > ``after`` (an int or a SQL expression): created_at at or after the earliest first_at
    of the spans above ``after``. Every
    inserting statement wrote its span in its own transaction (trigger of 0025_prune), so in the
    query's one snapshot each visible event has its span, however the clock was set when it was
    written; the condition is an InitPlan, so PostgreSQL prunes the months before it at run time.
    True on SQLite (nothing partitioned, no spans kept)."""
    if not partitioned(session):
        return true()
    # correlated to whatever outer statement ``after`` comes from (a receivers' column), however deep
    first = (select(func.min(FeedEventSpan.first_at)).where(FeedEventSpan.last_id > after)
             .correlate_except(FeedEventSpan).scalar_subquery())
    return events.created_at >= first


def newest_event_bound(session: Session):
    """A condition true of the event with the highest id (the newest span's first_at)."""
    if not partitioned(session):
        return true()
    return events_after(session, select(func.max(FeedEventSpan.last_id) - 1).scalar_subquery())


def _utc(month_sql):
    return func.timezone("UTC", cast(month_sql, DateTime()))


def history_window(session: Session, entity: str, entity_ids):
    """A condition true of every history row of ``entity`` with an id in ``entity_ids`` (a list
    or one id): changed_at within the UTC months from the first to the last month those entities
    have history (history_months, written by the trigger of 0025_prune with the rows). Two
    InitPlans: the months outside are pruned at run time. True on SQLite."""
    if not partitioned(session):
        return true()
    ids = entity_ids if isinstance(entity_ids, (list, tuple, set)) else [entity_ids]
    months = select(HistoryMonth.month).where(HistoryMonth.entity == entity,
                                              HistoryMonth.entity_id.in_(list(ids))).subquery()
    first = select(_utc(func.min(months.c.month))).scalar_subquery()
    end = select(_utc(func.max(months.c.month) + literal_column("interval '1 month'"))).scalar_subquery()
    return (History.changed_at >= first) & (History.changed_at < end)


def merge_feed_spans(session: Session) -> int:
    """One span per UTC month of first_at (the earliest first_at, the highest last_id): the
    merged span bounds every event the merged ones did, so a floor read with it is never later.
    One statement (one snapshot): a span a writer has not committed yet is left as it is. No
    writer ever updates a span. Returns how many spans were replaced."""
    month = "date_trunc('month', {0}.first_at AT TIME ZONE 'UTC')"
    return int(session.execute(text(
        f"WITH merged AS (SELECT {month.format('s')} AS m, max(s.last_id) AS last_id, min(s.first_at) AS first_at "
        f"FROM feed_event_spans s GROUP BY 1 HAVING count(*) > 1), "
        f"gone AS (DELETE FROM feed_event_spans s USING merged WHERE {month.format('s')} = merged.m "
        f"AND (s.last_id, s.first_at) <> (merged.last_id, merged.first_at) RETURNING 1), "
        f"added AS (INSERT INTO feed_event_spans (last_id, first_at) SELECT last_id, first_at FROM merged "
        f"ON CONFLICT DO NOTHING RETURNING 1) "
        f"SELECT count(*) FROM gone")).scalar() or 0)   # every data-modifying WITH runs to completion
