"""pg_partman's calls (PostgreSQL only): partitions made ahead, rows out of the default
partition, months dropped before a cutoff."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from xinyong.models import FeedEvent
from xinyong.models.feed import FeedReceiver


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
    return session.scalar(select(func.min(FeedEvent.created_at)).where(FeedEvent.id > lowest))
