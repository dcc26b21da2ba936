"""The worker's daily partition maintenance: months made ahead, stray rows moved out of the
default partition, months wholly past their retention period dropped (PostgreSQL only)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.law.loader import active_profile
from xinyong.partitions import repository
from xinyong.partitions.rules import PARTITIONED, NEVER_DROPPED, Retention, retentions


def maintain(session: Session, now: dt.datetime | None = None) -> dict:
    if session.get_bind().dialect.name != "postgresql":
        return {"partitioned": False}   # SQLite, the embedded default, is not partitioned
    now = now or clock.now()
    before = _all_partitions(session)
    moved = sum(repository.move_default_rows(session, t) for t in PARTITIONED)
    repository.run_maintenance(session)
    for retention in retentions(active_profile(), now.date()):
        _apply(session, retention, now)
    merged = repository.merge_feed_spans(session)   # a month's spans become one: the floor's read stays small
    after = _all_partitions(session)
    # flat values: the worker's job row keeps them as they are
    return {"partitioned": True, "created": ", ".join(sorted(after - before)),
            "dropped": ", ".join(sorted(before - after)), "moved_from_default": moved,
            "feed_spans_merged": merged}


def _all_partitions(session: Session) -> set[str]:
    return {name for table in PARTITIONED for name in repository.partitions(session, table)}


def _apply(session: Session, retention: Retention, now: dt.datetime) -> None:
    cutoff = retention.cutoff(now)
    if cutoff is None or retention.table in NEVER_DROPPED:
        return
    if retention.table == "feed_events":   # never a month an active receiver still has to take
        oldest = repository.oldest_unacknowledged_event_at(session)
        cutoff = min(cutoff, oldest) if oldest is not None else cutoff
    repository.drop_ended_before(session, retention.table, cutoff)
