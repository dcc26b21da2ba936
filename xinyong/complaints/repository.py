"""Queries of complaints (paginated; one query per page, handler names joined in), their
re-assignment requests, and the audited openings of their complainants' identity."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from xinyong.models import AuditEntry, Deadline, User
from xinyong.models.complaint import Complaint, ComplaintReassignment

PROCEDURE, STEP = "complaint", "handle"


def _with_handler_and_deadline():
    handler = aliased(User)
    return (select(Complaint, handler.username, Deadline)
            .outerjoin(handler, handler.id == Complaint.handler_user_id)
            .outerjoin(Deadline, (Deadline.procedure == PROCEDURE) & (Deadline.procedure_id == Complaint.id)
                       & (Deadline.step == STEP)))


def queue(session: Session, *, status: str | None = None, handler_user_id: int | None = None,
          limit: int = 50, offset: int = 0) -> list[tuple]:
    query = _with_handler_and_deadline()
    if status:
        query = query.where(Complaint.status == status)
    if handler_user_id is not None:
        query = query.where(Complaint.handler_user_id == handler_user_id)
    return list(session.execute(query.order_by(Complaint.id.desc()).limit(limit).offset(offset)))


def against_credit_service(session: Session, credit_service_id: int, limit: int = 200) -> list[tuple]:
    """The complaints naming one registered credit service agency (QZ art. 42, FZ art. 27), newest first."""
    query = _with_handler_and_deadline().where(Complaint.credit_service_id == credit_service_id)
    return list(session.execute(query.order_by(Complaint.id.desc()).limit(limit)))


def one(session: Session, complaint_id: int) -> tuple | None:
    return session.execute(_with_handler_and_deadline().where(Complaint.id == complaint_id)).first()


def by_filer(session: Session, filer_hash: str, limit: int = 100) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.filer_hash == filer_hash)
                                .order_by(Complaint.id.desc()).limit(limit)))


def by_tracking_code(session: Session, code: str) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.tracking_code == code))


def handlers(session: Session, roles: tuple[str, ...]) -> list[User]:
    return list(session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True))
                                .order_by(User.username).limit(500)))


def counts_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all())


def pending_reassignment(session: Session, complaint_id: int) -> ComplaintReassignment | None:
    return session.scalar(select(ComplaintReassignment).where(ComplaintReassignment.complaint_id == complaint_id,
                                                              ComplaintReassignment.status == "pending"))


def _reassignments_with_names():
    to_user, requester, decider = aliased(User), aliased(User), aliased(User)
    from_user = aliased(User)
    return (select(ComplaintReassignment, from_user.username, to_user.username, requester.username,
                   decider.username)
            .join(from_user, from_user.id == ComplaintReassignment.from_user_id)
            .join(to_user, to_user.id == ComplaintReassignment.to_user_id)
            .join(requester, requester.id == ComplaintReassignment.requested_by)
            .outerjoin(decider, decider.id == ComplaintReassignment.decided_by))


def reassignments(session: Session, complaint_id: int) -> list[tuple]:
    """A complaint's requests, newest first, with the accounts' usernames."""
    return list(session.execute(_reassignments_with_names().where(ComplaintReassignment.complaint_id == complaint_id)
                                .order_by(ComplaintReassignment.id.desc()).limit(200)))


def pending_reassignments(session: Session, limit: int = 50, offset: int = 0) -> list[tuple]:
    """The supervisors' queue: requests awaiting a decision, oldest first."""
    return list(session.execute(_reassignments_with_names().where(ComplaintReassignment.status == "pending")
                                .order_by(ComplaintReassignment.id).limit(limit).offset(offset)))


def identity_views(session: Session, complaint_id: int, action: str, limit: int = 500) -> list[AuditEntry]:
    """Every audited opening of a complaint's identity (actor, time, purpose), oldest first: the
    audit log read from the complaint's first opening on (``identity_viewed_from``, kept by the
    opener), so a partitioned log prunes the months before it; none before the first opening."""
    since = select(Complaint.identity_viewed_from).where(Complaint.id == complaint_id).scalar_subquery()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                         AuditEntry.target_type == "complaint",
                                                         AuditEntry.target_id == str(complaint_id),
                                                         AuditEntry.at >= since)
                                .order_by(AuditEntry.id).limit(limit)))
