"""The complaints API (QZ art. 37). Thin: parse, authorise, call the service, shape, commit.
Only /handler-view answers with the complainant's identity, and only to the assigned handler.
A change of handler is a request with a reason that a supervisor approves (four eyes); auditors
list every opening of a complainant's identity."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.complaints import opener, repository, service, views
from xinyong.complaints.schemas import (MAX_ID, AssignIn, ComplaintIn, ComplaintOut, ComplaintResultOut, DecisionIn,
                                        FiledOut, HandleIn, HandlerView, IdentityViewOut, ReassignIn, ReassignmentOut,
                                        TrackIn)
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session
from xinyong.kit.text import Code

router = APIRouter(tags=["complaints 投诉举报"])
STAFF = ("staff", "admin")
READERS = ("staff", "supervisor", "admin")   # the queue and a complaint without its complainant
SUPERVISORS = ("supervisor",)
AUDITORS = ("auditor", "admin")
ComplaintId = Path(ge=1, le=MAX_ID)


@router.post("/api/v1/complaints", response_model=FiledOut, status_code=201)
def file_complaint(body: ComplaintIn, principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """Anyone, signed in or not, complains about or reports unlawful handling of credit
    information. Keep `secret`: with `tracking_code` it reads the result."""
    filed = service.file(session, principal, body)
    session.commit()
    return FiledOut(id=filed.complaint.id, tracking_code=filed.complaint.tracking_code, secret=filed.secret,
                    status=filed.complaint.status, handle_due_on=filed.due_on)


@router.post("/api/v1/complaints/track", response_model=ComplaintResultOut)
def track(body: TrackIn, principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """The result, read with the tracking code and the secret (POST: the secret stays out of URLs)."""
    return views.result_out(service.track(session, body.tracking_code, body.secret), with_document=False)


@router.get("/api/v1/me/complaints", response_model=list[ComplaintResultOut])
def my_complaints(principal: Principal = allow("authenticated"), session: Session = Depends(get_session)):
    return [views.result_out(c, with_document=True) for c in service.mine(session, principal)]


@router.get("/api/v1/complaints", response_model=list[ComplaintOut])
def complaints(status: Code | None = Query(None, pattern="^(filed|assigned|handled)$"),
               mine: bool = Query(False), limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9),
               principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    """The credit department's queue — without the complainants."""
    rows = repository.queue(session, status=status, handler_user_id=principal.user_id if mine else None,
                            limit=limit, offset=offset)
    return [views.staff_out(session, *row) for row in rows]


@router.get("/api/v1/complaints/reassignments", response_model=list[ReassignmentOut])
def pending_reassignments(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9),
                          principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    """Re-assignment requests awaiting a supervisor's decision, oldest first."""
    return [views.reassignment_out(r) for r in repository.pending_reassignments(session, limit, offset)]


@router.get("/api/v1/complaints/{complaint_id}", response_model=ComplaintOut)
def complaint(complaint_id: int = ComplaintId, principal: Principal = allow(*READERS),
              session: Session = Depends(get_session)):
    row = repository.one(session, complaint_id)
    if row is None:
        raise NotFound("未找到该投诉举报", message_en="no such complaint")
    return views.staff_out(session, *row)


@router.get("/api/v1/complaints/{complaint_id}/handler-view", response_model=HandlerView)
def handler_view(complaint_id: int = ComplaintId, principal: Principal = allow(*STAFF),
                 session: Session = Depends(get_session)):
    """The assigned handler's own view, with the complainant's identity; 404 for anyone else."""
    c, identity = service.handler_view(session, principal, complaint_id)
    row = repository.one(session, c.id)
    out = views.handler_out(session, *row, identity)
    session.commit()   # the opening is audited
    return out


@router.post("/api/v1/complaints/{complaint_id}/assign", response_model=ComplaintOut)
def assign(body: AssignIn, complaint_id: int = ComplaintId, principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    service.assign(session, principal, complaint_id, body.handler_user_id)
    session.commit()
    return views.staff_out(session, *repository.one(session, complaint_id))


@router.post("/api/v1/complaints/{complaint_id}/handle", response_model=ComplaintOut)
def handle(body: HandleIn, complaint_id: int = ComplaintId, principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    service.handle(session, principal, complaint_id, body)
    session.commit()
    return views.staff_out(session, *repository.one(session, complaint_id))


@router.get("/api/v1/complaints/{complaint_id}/reassignments", response_model=list[ReassignmentOut])
def reassignments(complaint_id: int = ComplaintId, principal: Principal = allow(*READERS),
                  session: Session = Depends(get_session)):
    service.get(session, complaint_id)
    return [views.reassignment_out(r) for r in repository.reassignments(session, complaint_id)]


@router.post("/api/v1/complaints/{complaint_id}/reassignments", response_model=ReassignmentOut, status_code=201)
def request_reassignment(body: ReassignIn, complaint_id: int = ComplaintId, principal: Principal = allow(*STAFF),
                         session: Session = Depends(get_session)):
    """Ask, with a recorded reason, for an assigned complaint to pass to another handler; a
    supervisor (not you, not either handler) decides."""
    request = service.request_reassignment(session, principal, complaint_id, body.to_user_id, body.reason)
    session.commit()
    return _one_request(session, complaint_id, request.id)


def _one_request(session, complaint_id: int, request_id: int) -> ReassignmentOut:
    return next(views.reassignment_out(r) for r in repository.reassignments(session, complaint_id)
                if r[0].id == request_id)


@router.post("/api/v1/complaints/{complaint_id}/reassignments/{request_id}/approve", response_model=ReassignmentOut)
def approve_reassignment(body: DecisionIn, complaint_id: int = ComplaintId, request_id: int = Path(ge=1, le=MAX_ID),
                         principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    service.decide_reassignment(session, principal, complaint_id, request_id, True, body.note)
    session.commit()
    return _one_request(session, complaint_id, request_id)


@router.post("/api/v1/complaints/{complaint_id}/reassignments/{request_id}/refuse", response_model=ReassignmentOut)
def refuse_reassignment(body: DecisionIn, complaint_id: int = ComplaintId, request_id: int = Path(ge=1, le=MAX_ID),
                        principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    service.decide_reassignment(session, principal, complaint_id, request_id, False, body.note)
    session.commit()
    return _one_request(session, complaint_id, request_id)


@router.get("/api/v1/complaints/{complaint_id}/identity-views", response_model=list[IdentityViewOut])
def identity_views(complaint_id: int = ComplaintId, principal: Principal = allow(*AUDITORS),
                   session: Session = Depends(get_session)):
    """Every opening of the complainant's identity: who, when, for what (never what was seen)."""
    service.get(session, complaint_id)
    return [views.identity_view_out(e) for e in repository.identity_views(session, complaint_id, opener.VIEWED)]
