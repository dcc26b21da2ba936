"""Queries of the register of credit service agencies: one query per list, the rules, the
supervisions and the complaint counts of one entry."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.models.complaint import Complaint
from xinyong.models.credit_service import CreditServiceAgency, CreditServiceRule, CreditServiceSupervision


def listing(session: Session, *, q: str = "", status: str | None = None, limit: int = 20,
            offset: int = 0) -> list[CreditServiceAgency]:
    query = select(CreditServiceAgency)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(CreditServiceAgency.name.like(like), CreditServiceAgency.uscc == q.upper(),
                                CreditServiceAgency.filing_no == q.upper()))
    if status:
        query = query.where(CreditServiceAgency.status == status)
    return list(session.scalars(query.order_by(CreditServiceAgency.filed_on.desc(), CreditServiceAgency.id.desc())
                                .limit(limit).offset(offset)))


def choices(session: Session, limit: int = 500) -> list[CreditServiceAgency]:
    """The filed agencies a complaint may name, by name."""
    return list(session.scalars(select(CreditServiceAgency).where(CreditServiceAgency.status == "filed")
                                .order_by(CreditServiceAgency.name).limit(limit)))


def by_uscc_or_filing(session: Session, uscc: str, filing_no: str) -> CreditServiceAgency | None:
    return session.scalar(select(CreditServiceAgency).where(
        or_(CreditServiceAgency.uscc == uscc, CreditServiceAgency.filing_no == filing_no)).limit(1))


def rules_of(session: Session, agency_id: int, published_only: bool) -> list[CreditServiceRule]:
    query = select(CreditServiceRule).where(CreditServiceRule.credit_service_id == agency_id)
    if published_only:
        query = query.where(CreditServiceRule.status == "published")
    return list(session.scalars(query.order_by(CreditServiceRule.kind, CreditServiceRule.id.desc()).limit(200)))


def supervisions_of(session: Session, agency_id: int) -> list[CreditServiceSupervision]:
    return list(session.scalars(select(CreditServiceSupervision)
                                .where(CreditServiceSupervision.credit_service_id == agency_id)
                                .order_by(CreditServiceSupervision.inspected_on.desc(),
                                          CreditServiceSupervision.id.desc()).limit(500)))


def complaint_counts(session: Session, agency_id: int) -> list[tuple[str, str | None, int]]:
    return [tuple(r) for r in session.execute(
        select(Complaint.status, Complaint.outcome, func.count()).where(Complaint.credit_service_id == agency_id)
        .group_by(Complaint.status, Complaint.outcome))]
