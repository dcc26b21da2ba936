"""The workbench's queries: one statement per source, each bounded (LIMIT) and on indexed
columns (deadlines by responsible organisation / open and due / subject; proposals by
organisation and status; batches by agency); never a query per item."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.deadlines import rules as deadline_rules
from xinyong.law.loader import active_profile
from xinyong.models import Batch, Deadline
from xinyong.models.complaint import ComplaintReassignment
from xinyong.models.listing import ListEntry, ListProposal

STAFF_RESPONSIBLE = ("staff",)   # steps the credit department itself must take (complaints)


def _open_tasks():
    """Open steps that are tasks (a period given to the subject is nobody's task)."""
    return (Deadline.completed_at.is_(None), Deadline.rule_key.not_in(deadline_rules.period_keys(active_profile())))


def org_deadlines(session: Session, org_id: int, limit: int) -> list[Deadline]:
    return list(session.scalars(select(Deadline).where(Deadline.responsible_org_id == org_id, *_open_tasks())
                                .order_by(Deadline.due_on, Deadline.id).limit(limit)))


def staff_deadlines(session: Session, limit: int) -> list[Deadline]:
    """Steps no organisation is named for, which the credit department takes itself."""
    return list(session.scalars(select(Deadline).where(
        Deadline.responsible_org_id.is_(None), Deadline.responsible_role.in_(STAFF_RESPONSIBLE), *_open_tasks())
        .order_by(Deadline.due_on, Deadline.id).limit(limit)))


def subject_deadlines(session: Session, subject_id: int, limit: int) -> list[Deadline]:
    """The subject's procedures in progress: every open step of its cases, periods included
    (the notice period is the time it has to object)."""
    return list(session.scalars(select(Deadline).where(Deadline.subject_id == subject_id,
                                                       Deadline.completed_at.is_(None))
                                .order_by(Deadline.due_on, Deadline.id).limit(limit)))


def listing_steps(session: Session, org_id: int | None, today: dt.date, limit: int) -> list[tuple[int, str]]:
    """(proposal id, what is to be done) for listings waiting on their office: a proposal to
    give notice of (or decide, for a list without prior notice), a notice period that has run
    (decide), a decided entry to publish. An objection waits as its own deadline."""
    notice = aliased(Deadline)
    ran = and_(ListProposal.status == "notice", notice.due_on < today)
    stmt = (select(ListProposal.id, ListProposal.status)
            .outerjoin(notice, and_(notice.procedure == "listing", notice.procedure_id == ListProposal.id,
                                    notice.step == "notice_period"))
            .where(or_(ListProposal.status == "proposed", ran)).order_by(ListProposal.id).limit(limit))
    entries = (select(ListEntry.proposal_id).where(ListEntry.status == "decided")
               .order_by(ListEntry.proposal_id).limit(limit))
    if org_id is not None:
        stmt = stmt.where(ListProposal.proposing_org_id == org_id)
        entries = entries.where(ListEntry.proposing_org_id == org_id)
    found = [(pid, "listing_notice" if status == "proposed" else "listing_decide")
             for pid, status in session.execute(stmt).all()]
    return found + [(pid, "listing_publish") for pid in session.scalars(entries)]


def returned_batches(session: Session, org_id: int, since: dt.datetime, limit: int) -> list[tuple[int, int, str]]:
    """(batch id, rows returned for review, status) of the agency's recent batches that were
    refused or had rows returned (退回复核)."""
    return [tuple(r) for r in session.execute(
        select(Batch.id, Batch.rejected_rows, Batch.status)
        .where(Batch.agency_id == org_id, Batch.received_at >= since,
               or_(Batch.rejected_rows > 0, Batch.status == "refused"))
        .order_by(Batch.id.desc()).limit(limit)).all()]


def pending_reassignments(session: Session) -> int:
    return session.scalar(select(func.count(ComplaintReassignment.id))
                          .where(ComplaintReassignment.status == "pending")) or 0

