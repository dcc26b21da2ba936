"""Time-driven housekeeping of publicity. Public visibility never depends on this having
run (every read checks the window); the sweep marks closed windows so that reports and
the change feed can say when publication ended."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from xinyong.models import Record


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    ended = session.execute(
        update(Record)
        .where(Record.publicity_published.is_(True), Record.publicity_end.is_not(None),
               Record.publicity_end <= today, Record.publicity_ended_on.is_(None))
        .values(publicity_ended_on=Record.publicity_end)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    return {"as_of": today.isoformat(), "publication_ended": ended or 0}
