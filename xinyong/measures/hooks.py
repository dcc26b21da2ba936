"""Reactions of the measures domain to other domains' changes (xinyong/registry.py HOOKS)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.measures import service


def on_records_repaired(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    """Repair lifts the measures applied on the repaired records (DOMAIN.md: after repair,
    stop publication, leave the list, lift measures)."""
    service.lift_after_repair(session, subject_id, record_ids, today)


def on_records_corrected(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    """A correction on objection lifts the measures the corrected facts no longer ground."""
    service.lift_after_correction(session, subject_id, record_ids, today)
