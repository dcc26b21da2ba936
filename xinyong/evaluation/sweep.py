"""Daily: windows roll (a penalty leaves its 3-year window, a list period ends), so the results
of the model in force are recomputed once per day, set-based (QZ art. 16)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.evaluation import service
from xinyong.kit.errors import InvalidInput


def run_sweep(session: Session, today: dt.date) -> dict[str, int | str]:
    try:
        model = service.model_in_force(today).model
    except InvalidInput:
        return {"evaluation": "no model in force"}
    done = session.execute(text("SELECT count(*) FROM evaluation_runs WHERE kind = 'full' AND model_version = :v "
                                "AND as_of = :d AND finished_at IS NOT NULL"), {"v": model.version, "d": today}).scalar()
    if done:
        return {"evaluation_recomputed": 0}
    run = service.recompute_full(session, model=model, as_of=today, trigger="sweep")
    return {"evaluation_recomputed": run.subjects}
