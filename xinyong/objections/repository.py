"""Queries of objections: set-based, paginated; one query per list (deadlines and names are
joined or fetched in one more query for the whole page, never per row)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.models import Agency, Record, Subject
from xinyong.models.objection import Objection, ObjectionEvidence


@dataclasses.dataclass(frozen=True)
class ObjectionFilter:
    subject_id: int | None = None
    agency_id: int | None = None
    status: str | None = None          # open | corrected | upheld | None (all)
    record_id: int | None = None


def open_objection_of(session: Session, record_id: int) -> Objection | None:
    return session.scalar(select(Objection).where(Objection.open_record_id == record_id))


def page(session: Session, where: ObjectionFilter, limit: int, offset: int):
    """(Objection, Record, subject name, agency name) rows, newest first."""
    stmt = (select(Objection, Record, Subject.name, Agency.name)
            .join(Record, Record.id == Objection.record_id)
            .join(Subject, Subject.id == Objection.subject_id)
            .join(Agency, Agency.id == Objection.source_agency_id))
    stmt = _filtered(stmt, where)
    return session.execute(stmt.order_by(Objection.id.desc()).limit(limit).offset(offset)).all()


def count(session: Session, where: ObjectionFilter) -> int:
    return session.scalar(_filtered(select(func.count(Objection.id)), where)) or 0


def _filtered(stmt, where: ObjectionFilter):
    if where.subject_id is not None:
        stmt = stmt.where(Objection.subject_id == where.subject_id)
    if where.agency_id is not None:
        stmt = stmt.where(Objection.source_agency_id == where.agency_id)
    if where.status is not None:
        stmt = stmt.where(Objection.status == where.status)
    if where.record_id is not None:
        stmt = stmt.where(Objection.record_id == where.record_id)
    return stmt


def one(session: Session, objection_id: int):
    stmt = (select(Objection, Record, Subject.name, Agency.name)
            .join(Record, Record.id == Objection.record_id)
            .join(Subject, Subject.id == Objection.subject_id)
            .join(Agency, Agency.id == Objection.source_agency_id)
            .where(Objection.id == objection_id))
    return session.execute(stmt).first()


def evidence_list(session: Session, objection_ids: list[int]) -> dict[int, list[tuple]]:
    """(id, filename, content_type, size, sha256) per objection, without the bytes."""
    found: dict[int, list[tuple]] = {i: [] for i in objection_ids}
    if objection_ids:
        stmt = (select(ObjectionEvidence.objection_id, ObjectionEvidence.id, ObjectionEvidence.filename,
                       ObjectionEvidence.content_type, ObjectionEvidence.size, ObjectionEvidence.sha256)
                .where(ObjectionEvidence.objection_id.in_(objection_ids)).order_by(ObjectionEvidence.id))
        for oid, *rest in session.execute(stmt).all():
            found[oid].append(tuple(rest))
    return found


def evidence(session: Session, objection_id: int, evidence_id: int) -> ObjectionEvidence | None:
    return session.scalar(select(ObjectionEvidence).where(ObjectionEvidence.id == evidence_id,
                                                          ObjectionEvidence.objection_id == objection_id))


def own_records(session: Session, subject_id: int, limit: int = 200):
    """A subject's records, public or not, with their source agency's name (for the filing form)."""
    stmt = (select(Record, Agency.name).join(Agency, Agency.id == Record.source_agency_id)
            .where(Record.subject_id == subject_id)
            .order_by(Record.decision_date.desc(), Record.id.desc()).limit(limit))
    return session.execute(stmt).all()
