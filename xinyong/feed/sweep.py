"""`xinyong sweep` step of the feed: a "publication_ended" change for every record whose
publication the disclosure sweep (or repair) ended, that receivers were told of (a record
loaded after its window closed never was), and that has no such change yet — one
INSERT ... SELECT using ix_feed_events_record_kind. Repaired records get their "repaired"
change from the repair hook instead."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.feed import repository, service


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    emitted = repository.insert_record_events(
        session, "'publication_ended'",
        f"r.publicity_ended_on IS NOT NULL AND r.status <> 'repaired' AND {repository.emit_condition('publication_ended')} "
        "AND NOT EXISTS (SELECT 1 FROM feed_events fe "
        "WHERE fe.record_id = r.id AND fe.kind = 'publication_ended')",
        {"on": today}, ":on", service.feed_citation(today))
    overdue = sum(s.overdue for s in service.statuses(session, limit=10_000, today=today))
    session.flush()
    return {"feed_publication_ended": emitted, "feed_overdue_acknowledgements": overdue}
