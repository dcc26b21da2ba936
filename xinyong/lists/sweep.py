"""`xinyong sweep`: end the list entries whose period is over (set-based)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.lists import service


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    return {"list_entries_expired": service.expire(session, today)}
