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
    before = {t: set(repository.partitions(session, t)) for t in PARTITIONED}
    moved = {t: repository.move_default_rows(session, t) for t in PARTITIONED}
    repository.run_maintenance(session)
    dropped = {r.table: _apply(session, r, now) for r in retentions(active_profile(), now.date())}
    after = {t: set(repository.partitions(session, t)) for t in PARTITIONED}
    return {"partitioned": True,
            "created": {t: sorted(after[t] - before[t]) for t in PARTITIONED if after[t] - before[t]},
            "moved_from_default": {t: n for t, n in moved.items() if n},
            "dropped": {t: n for t, n in dropped.items() if n}}


def _apply(session: Session, retention: Retention, now: dt.datetime) -> int:
    cutoff = retention.cutoff(now)
    if cutoff is None or retention.table in NEVER_DROPPED:
        return 0
    if retention.table == "feed_events":   # never a month an active receiver still has to take
        oldest = repository.oldest_unacknowledged_event_at(session)
        cutoff = min(cutoff, oldest) if oldest is not None else cutoff
    return repository.drop_ended_before(session, retention.table, cutoff)
