"""Queries of the commitments domain (set-based)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.models import Agency, BatchRejection, Record, Subject
from xinyong.models.commitment import Commitment


def listing(session: Session, *, agency_id: int | None = None, published_only: bool = False,
            commitment_id: int | None = None, limit: int = 50, offset: int = 0):
    q = (select(Commitment, Subject.name, Subject.uscc, Agency.name)
         .join(Subject, Subject.id == Commitment.subject_id).join(Agency, Agency.id == Commitment.agency_id)
         .order_by(Commitment.created_at.desc(), Commitment.id.desc()).limit(limit).offset(offset))
    if agency_id is not None:
        q = q.where(Commitment.agency_id == agency_id)
    if published_only:
        q = q.where(Commitment.published.is_(True))
    if commitment_id is not None:
        q = q.where(Commitment.id == commitment_id)
    return list(session.execute(q))


def breach_record_id(session: Session, agency_id: int, item_code: str, decision_no: str) -> int | None:
    return session.scalar(select(Record.id).where(Record.source_agency_id == agency_id,
                                                  Record.item_code == item_code, Record.decision_no == decision_no))


def overdue(session: Session, today: dt.date) -> list[tuple[int, int, int, str, dt.date]]:
    """(id, agency_id, subject_id, commitment_no, deadline) of open commitments past their
    deadline and not yet flagged."""
    q = select(Commitment.id, Commitment.agency_id, Commitment.subject_id, Commitment.commitment_no,
               Commitment.deadline).where(Commitment.status == "open", Commitment.deadline < today,
                                          Commitment.overdue_flagged_on.is_(None))
    return [tuple(r) for r in session.execute(q)]


def flag_overdue(session: Session, ids: list[int], today: dt.date) -> None:
    if ids:
        session.execute(update(Commitment).where(Commitment.id.in_(ids)).values(overdue_flagged_on=today)
                        .execution_options(synchronize_session=False))


def exists(session: Session, agency_id: int, commitment_no: str) -> bool:
    return session.scalar(select(Commitment.id).where(Commitment.agency_id == agency_id,
                                                      Commitment.commitment_no == commitment_no)) is not None


def first_rejection(session: Session, batch_id: int) -> tuple[str, str] | None:
    row = session.execute(select(BatchRejection.reason, BatchRejection.reason_en)
                          .where(BatchRejection.batch_id == batch_id).limit(1)).first()
    return (row[0], row[1]) if row else None
