"""Shaping complaints for staff, the handler and the complainant."""
from __future__ import annotations

from xinyong.complaints import service
from xinyong.complaints.schemas import (ComplaintOut, ComplaintResultOut, HandlerView, Identity, IdentityViewOut,
                                        ReassignmentOut)
from xinyong.deadlines import service as deadlines


def staff_out(session, complaint, handler_name, deadline) -> ComplaintOut:
    return ComplaintOut(
        id=complaint.id, kind=complaint.kind, stage=complaint.stage, summary=complaint.summary,
        subject_id=complaint.subject_id, record_id=complaint.record_id, category=complaint.category,
        credit_service_id=complaint.credit_service_id, anonymous=complaint.anonymous,
        status=complaint.status, filed_on=complaint.filed_on, handler_user_id=complaint.handler_user_id,
        handler=handler_name, handle_due_on=deadline.due_on if deadline else None,
        deadline_state=deadlines.state_of(session, deadline) if deadline else None, outcome=complaint.outcome,
        handling=complaint.handling, result=complaint.result, handled_on=complaint.handled_on,
        result_document_id=complaint.result_document_id, citation=deadline.citation if deadline else "")


def handler_out(session, complaint, handler_name, deadline, identity: dict) -> HandlerView:
    base = staff_out(session, complaint, handler_name, deadline)
    return HandlerView(**base.model_dump(), complainant=Identity(
        anonymous=complaint.anonymous, signed_in=bool(identity.get("user_id")), name=identity.get("name", ""),
        contact=identity.get("contact", ""), id_number=identity.get("id_number", "")))


def result_out(complaint, with_document: bool) -> ComplaintResultOut:
    return ComplaintResultOut(
        tracking_code=complaint.tracking_code, kind=complaint.kind, stage=complaint.stage, summary=complaint.summary,
        status=complaint.status, filed_on=complaint.filed_on, outcome=complaint.outcome, result=complaint.result,
        handled_on=complaint.handled_on, result_document_id=complaint.result_document_id if with_document else None,
        citation=service.policy().citation)


def reassignment_out(row) -> ReassignmentOut:
    r, from_name, to_name, requester, decider = row
    return ReassignmentOut(id=r.id, complaint_id=r.complaint_id, from_user_id=r.from_user_id, from_handler=from_name,
                           to_user_id=r.to_user_id, to_handler=to_name, reason=r.reason, requested_by=r.requested_by,
                           requester=requester, requested_at=r.requested_at, status=r.status,
                           decided_by=r.decided_by, decider=decider, decided_at=r.decided_at,
                           decision_note=r.decision_note, citation=r.citation)


def identity_view_out(entry) -> IdentityViewOut:
    return IdentityViewOut(audit_entry_id=entry.id, at=entry.at, actor=entry.actor, actor_user_id=entry.actor_user_id,
                           purpose=str((entry.details or {}).get("purpose", "")))
