"""Deadline queues as JSON: credit-department staff see all, an organisation its own."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.deadlines import repository, service
from xinyong.deadlines.schemas import DeadlineOut, DeadlinePage, ExtendIn
from xinyong.deadlines.views import deadline_out
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import NotFound
from xinyong.kit.web import get_session
from xinyong.models.org_roles import roles_with

router = APIRouter(tags=["deadlines 期限"])
MAX_ID = 2**63 - 1
PAGE = 50
ORG_ROLES = roles_with("organisation_deadlines")
QUEUE_ROLES = ("staff", "admin", *ORG_ROLES)
Procedure = Literal["objection", "repair", "listing", "complaint", "feed"]
State = Literal["on_time", "due_soon", "overdue"]


@router.get("/api/v1/deadlines", response_model=DeadlinePage)
def deadlines(procedure: Procedure | None = None, state: State | None = None,
              page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*QUEUE_ROLES),
              session: Session = Depends(get_session)):
    """Open deadlines, soonest first, with state, working days left, provisional flag and citation."""
    found, names = service.queue(session, principal, procedure=procedure, state=state, limit=PAGE + 1,
                                 offset=(page - 1) * PAGE)
    return DeadlinePage(items=[deadline_out(v, names.get(v.deadline.id), principal.role) for v in found[:PAGE]], page=page,
                        has_next=len(found) > PAGE)


@router.get("/api/v1/deadlines/{deadline_id}", response_model=DeadlineOut)
def deadline(deadline_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*QUEUE_ROLES),
             session: Session = Depends(get_session)):
    row = repository.visible(session, deadline_id, service.scope_org(principal))
    if row is None:
        raise NotFound("没有这个期限", message_en="no such deadline")
    return deadline_out(service.views(session, [row])[0], role=principal.role)


@router.post("/api/v1/deadlines/{deadline_id}/extend", response_model=DeadlineOut)
def extend(body: ExtendIn, deadline_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow(*QUEUE_ROLES),
           session: Session = Depends(get_session)):
    """Extend once with a reason (QZ art. 36), where the step's rule allows it."""
    row = service.extend(session, principal, deadline_id, body.reason)
    out = deadline_out(service.views(session, [row])[0], role=principal.role)
    session.commit()
    return out
