"""Reactions of lists to credit repair, called by xinyong.registry.run_hook inside the repair's
unit of work: a repaired record ends the listings resting on it; a revoked repair restores them;
an ingested adverse record ends the red-list entry it breaks (FZ art. 14, 16-17)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.lists import service


def on_records_repaired(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    service.end_for_repair(session, subject_id, list(record_ids), today)


def on_repair_revoked(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    service.restore_after_revocation(session, subject_id, list(record_ids), today)


def on_batch_ingested(session: Session, batch_id: int) -> None:
    service.end_incentives_for_batch(session, batch_id, clock.today())
