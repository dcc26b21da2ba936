"""Reactions of lists to changes of the records they rest on, called by xinyong.registry.run_hook
inside the changing unit of work: a repaired record ends the listings resting on it, a revoked
repair restores them; a record corrected on an objection, re-sent by its source or repaired so
that it no longer grounds a listing ends the proposal or the listing (service.reconsider_basis);
an ingested adverse record ends the red-list entry it breaks (FZ art. 14, 16-17, 25; QZ art.
22-23, 34, 36)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.lists import repository, service
from xinyong.models import Batch


def on_records_repaired(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    service.end_for_repair(session, subject_id, list(record_ids), today)
    service.reconsider_basis(session, {subject_id: list(record_ids)}, today, "所依据的信用记录已完成信用修复",
                             "a record it rests on was repaired")


def on_repair_revoked(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    service.restore_after_revocation(session, subject_id, list(record_ids), today)


def on_records_corrected(session: Session, subject_id: int, record_ids: list[int], today: dt.date) -> None:
    service.reconsider_basis(session, {subject_id: list(record_ids)}, today, "所依据的信用记录经异议更正",
                             "a record it rests on was corrected on an objection")


def on_batch_ingested(session: Session, batch_id: int) -> None:
    today = clock.today()
    service.end_incentives_for_batch(session, batch_id, today)
    batch = session.get(Batch, batch_id)
    if batch is not None and batch.updated_records:
        changed = repository.basis_records_changed_in_batch(session, batch_id)
        if changed:
            service.reconsider_basis(session, changed, today, f"信息提供单位重新报送并更正了所依据的决定信息（批次 {batch_id}）",
                                     f"its source re-sent the decision a record rests on (batch {batch_id})")
