"""Queries of the reports: a subject's records with their source agencies, the change history of
those records (one query for all of them), the access-log summary, issued reports. Set-based:
no query inside a loop over rows."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.models import AccessLog, Agency, History, Record
from xinyong.models.report import IssuedReport

RECORDS_LIMIT = 5000


def records_of(session: Session, subject_id: int, item_codes: tuple[str, ...] | None = None) -> list[tuple[Record, str]]:
    stmt = (select(Record, Agency.name).join(Agency, Agency.id == Record.source_agency_id)
            .where(Record.subject_id == subject_id, Record.disclosure != "market"))   # market: own section
    if item_codes is not None:
        stmt = stmt.where(Record.item_code.in_(item_codes))
    stmt = stmt.order_by(Record.decision_date.desc(), Record.id.desc()).limit(RECORDS_LIMIT)
    return [(r, name) for r, name in session.execute(stmt).all()]


def record_histories(session: Session, subject_id: int, record_ids: list[int]) -> dict[int, list[History]]:
    """Every superseded version of the records, newest first, by record id (one query)."""
    if not record_ids:
        return {}
    from xinyong.partitions.repository import history_window
    stmt = (select(History).where(History.entity == "record", History.subject_id == subject_id,
                                  History.entity_id.in_(record_ids), history_window(session, "record", record_ids))
            .order_by(History.entity_id, History.version.desc()))
    found: dict[int, list[History]] = {}
    for h in session.scalars(stmt):
        found.setdefault(h.entity_id, []).append(h)
    return found


def access_summary(session: Session, subject_id: int, since: dt.datetime, rows: int):
    """(recent entries with organisation names, counts per organisation/role and outcome)."""
    recent = session.execute(
        select(AccessLog, Agency.name).outerjoin(Agency, Agency.id == AccessLog.org_id)
        .where(AccessLog.subject_id == subject_id, AccessLog.at >= since)
        .order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(rows)).all()
    counts = session.execute(
        select(Agency.name, AccessLog.role, AccessLog.allowed, func.count())
        .select_from(AccessLog).outerjoin(Agency, Agency.id == AccessLog.org_id)
        .where(AccessLog.subject_id == subject_id, AccessLog.at >= since)
        .group_by(Agency.name, AccessLog.role, AccessLog.allowed)
        .order_by(func.count().desc())).all()
    return recent, counts


def commitments_of(session: Session, subject_id: int) -> list:
    from xinyong.models import commitment
    model = getattr(commitment, "Commitment", None)
    if model is None:
        return []
    return list(session.scalars(select(model).where(model.subject_id == subject_id).order_by(model.id.desc())
                                .limit(200)))


def by_code(session: Session, code: str) -> IssuedReport | None:
    return session.scalar(select(IssuedReport).where(IssuedReport.code == code))


def by_sha256(session: Session, sha256: str) -> IssuedReport | None:
    return session.scalar(select(IssuedReport).where(IssuedReport.sha256 == sha256).limit(1))


def existing_special(session: Session, subject_id: int, requester_user_id: int | None, field: str,
                     date_from: str, date_to: str) -> IssuedReport | None:
    """A special report already issued for the same request (the demo re-uses it)."""
    stmt = (select(IssuedReport).where(IssuedReport.subject_id == subject_id, IssuedReport.kind == "special",
                                       IssuedReport.requester_user_id == requester_user_id)
            .order_by(IssuedReport.id.desc()).limit(50))
    for report in session.scalars(stmt):
        p = report.params or {}
        if (p.get("field"), p.get("from"), p.get("to")) == (field, date_from, date_to):
            return report
    return None


def listing(session: Session, *, subject_id: int | None = None, requester_user_id: int | None = None,
            limit: int = 50, offset: int = 0) -> list[IssuedReport]:
    """Issued reports without their PDF bytes loaded (deferred)."""
    from sqlalchemy.orm import defer
    stmt = select(IssuedReport).options(defer(IssuedReport.content))
    if subject_id is not None:
        stmt = stmt.where(IssuedReport.subject_id == subject_id)
    if requester_user_id is not None:
        stmt = stmt.where(IssuedReport.requester_user_id == requester_user_id)
    return list(session.scalars(stmt.order_by(IssuedReport.issued_at.desc(), IssuedReport.id.desc())
                                .limit(limit).offset(offset)))


def count_of_kind(session: Session, kind: str) -> int:
    return session.scalar(select(func.count(IssuedReport.id)).where(IssuedReport.kind == kind)) or 0
