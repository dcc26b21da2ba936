"""Queries of credit repair, set-based: one query per kind of fact, never one per row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong.models import Agency, Record, Subject
from xinyong.models.repair import OPEN_STATUSES, RepairApplication, RepairMaterial
from xinyong.repair.rules import SERIOUS_LIST_KINDS, FraudFinding


def records_of(session: Session, subject_id: int) -> list[tuple[Record, str]]:
    """Every record of a subject with its source agency's name, newest decision first."""
    stmt = (select(Record, Agency.name).join(Agency, Agency.id == Record.source_agency_id)
            .where(Record.subject_id == subject_id)
            .order_by(Record.decision_date.desc(), Record.id.desc()).limit(500))
    return [(r, n) for r, n in session.execute(stmt)]


def serious_list_categories(session: Session, record_ids: list[int]) -> dict[int, str]:
    """record id -> category of an active serious-dishonesty (or black) list entry resting on
    it (the lists domain's list_entries / list_basis_records); empty while that domain is absent."""
    if not record_ids:
        return {}
    try:
        from xinyong.models.listing import ListBasisRecord, ListEntry
    except ImportError:
        return {}
    stmt = (select(ListBasisRecord.record_id, ListEntry.category)
            .join(ListEntry, ListEntry.proposal_id == ListBasisRecord.proposal_id)
            .where(ListBasisRecord.record_id.in_(record_ids), ListEntry.kind.in_(SERIOUS_LIST_KINDS),
                   ListEntry.status.in_(("decided", "active")), ListEntry.category.is_not(None)))
    return {rid: cat for rid, cat in session.execute(stmt)}


def open_applications(session: Session, record_ids: list[int]) -> dict[int, int]:
    if not record_ids:
        return {}
    stmt = select(RepairApplication.record_id, func.max(RepairApplication.id)).where(
        RepairApplication.record_id.in_(record_ids), RepairApplication.status.in_(OPEN_STATUSES)
    ).group_by(RepairApplication.record_id)
    return dict(session.execute(stmt).all())


def fraud_findings(session: Session, subject_id: int) -> list[FraudFinding]:
    stmt = select(RepairApplication.id, RepairApplication.revoked_on, RepairApplication.revoked_kind).where(
        RepairApplication.subject_id == subject_id, RepairApplication.status == "revoked",
        RepairApplication.revoked_on.is_not(None))
    return [FraudFinding(i, on, kind or "") for i, on, kind in session.execute(stmt)]


def applications_of(session: Session, subject_id: int, limit: int = 100, offset: int = 0):
    return _listing(session, RepairApplication.subject_id == subject_id, limit, offset)


def queue(session: Session, agency_id: int | None, statuses: tuple[str, ...] | None, limit: int, offset: int):
    """The agency's applications (or every one, for credit-department staff: agency_id None)."""
    where = [True]
    if agency_id is not None:
        where.append(RepairApplication.source_agency_id == agency_id)
    if statuses:
        where.append(RepairApplication.status.in_(statuses))
    return _listing(session, and_(*where), limit, offset)


def _listing(session: Session, where, limit: int, offset: int):
    """(application, record, subject name, agency name) rows, newest first."""
    stmt = (select(RepairApplication, Record, Subject.name, Agency.name)
            .join(Record, Record.id == RepairApplication.record_id)
            .join(Subject, Subject.id == RepairApplication.subject_id)
            .join(Agency, Agency.id == RepairApplication.source_agency_id)
            .where(where).order_by(RepairApplication.id.desc()).limit(limit).offset(offset))
    return list(session.execute(stmt).all())


def application_row(session: Session, app_id: int):
    rows = _listing(session, RepairApplication.id == app_id, 1, 0)
    return rows[0] if rows else None


def materials_of(session: Session, app_ids: list[int]) -> dict[int, list[RepairMaterial]]:
    """Materials without their content, per application, in one query."""
    found: dict[int, list[RepairMaterial]] = {i: [] for i in app_ids}
    if app_ids:
        stmt = select(RepairMaterial).where(RepairMaterial.application_id.in_(app_ids)).order_by(RepairMaterial.id)
        for m in session.scalars(stmt.execution_options(populate_existing=False)):
            found[m.application_id].append(m)
    return found


def material(session: Session, app_id: int, material_id: int) -> RepairMaterial | None:
    return session.scalar(select(RepairMaterial).where(RepairMaterial.id == material_id,
                                                       RepairMaterial.application_id == app_id))


def subject_by_code(session: Session, code: str) -> int | None:
    return session.scalar(select(Subject.id).where(or_(Subject.uscc == code.strip().upper())))


def publicly_visible(session: Session, record_id: int, today: dt.date) -> bool:
    from xinyong.disclosure.repository import public_condition
    return session.scalar(select(func.count(Record.id)).where(Record.id == record_id, public_condition(today))) == 1
