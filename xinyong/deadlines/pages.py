"""Deadline queues by colour: /staff/deadlines (credit department: all) and /agency/deadlines
(an organisation: the steps it is responsible for), with the extension action (QZ art. 36)."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.deadlines import rules, service, wording
from xinyong.deadlines.api import ORG_ROLES, PAGE
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, TextForm

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1


def _clean(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _queue_page(request: Request, session: Session, principal: Principal, base: str, *, procedure: str | None,
                state: str | None, page: int, error: XinyongError | None = None, extended: int | None = None,
                status_code: int = 200):
    procedure, state = _clean(procedure, rules.PROCEDURES), _clean(state, rules.STATES)
    found, names = service.queue(session, principal, procedure=procedure, state=state, limit=PAGE + 1,
                                 offset=(page - 1) * PAGE)
    refusals = {v.deadline.id: service.extension_refusal(v.deadline, None)[0] for v in found[:PAGE]}
    extendable = {i for i, refusal in refusals.items() if refusal is None}
    passed = {i for i, refusal in refusals.items() if refusal == "period_passed"}
    query = {k: v for k, v in (("procedure", procedure), ("state", state)) if v}
    lang = language(request)
    ctx = {"views": found[:PAGE], "names": names, "page": page, "has_next": len(found) > PAGE,
           "pager_query": urlencode(query) + "&" if query else "", "procedure": procedure, "state": state,
           "procedures": rules.PROCEDURES, "states": rules.STATES, "base": base, "extended": extended,
           "link": rules.procedure_link, "viewer_role": principal.role, "extendable": extendable,
           "passed": passed, "step_name": wording.step_name,
           "error": page_error(error, lang)}
    return render(request, "deadlines/queue.html", ctx, status_code=status_code)


@router.get("/staff/deadlines")
def staff_queue(request: Request, procedure: Code | None = Query(None, max_length=32),
                state: Code | None = Query(None, max_length=16), page: int = Query(1, ge=1, le=10_000),
                extended: int | None = Query(None, ge=1, le=MAX_ID),
                principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    return _queue_page(request, session, principal, "/staff/deadlines", procedure=procedure, state=state, page=page,
                       extended=extended)


@router.get("/agency/deadlines")
def agency_queue(request: Request, procedure: Code | None = Query(None, max_length=32),
                 state: Code | None = Query(None, max_length=16), page: int = Query(1, ge=1, le=10_000),
                 extended: int | None = Query(None, ge=1, le=MAX_ID),
                 principal: Principal = allow(*ORG_ROLES), session: Session = Depends(get_session)):
    return _queue_page(request, session, principal, "/agency/deadlines", procedure=procedure, state=state, page=page,
                       extended=extended)


def _extend(request: Request, session: Session, principal: Principal, base: str, deadline_id: int, reason: str):
    try:
        service.extend(session, principal, deadline_id, reason)
    except XinyongError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _queue_page(request, session, principal, base, procedure=None, state=None, page=1, error=exc,
                           status_code=exc.status)
    session.commit()
    return RedirectResponse(f"{base}?extended={deadline_id}", status_code=303)


@router.post("/staff/deadlines/{deadline_id}/extend")
def staff_extend(request: Request, deadline_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm("", max_length=1000),
                 principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    return _extend(request, session, principal, "/staff/deadlines", deadline_id, reason)


@router.post("/agency/deadlines/{deadline_id}/extend")
def agency_extend(request: Request, deadline_id: int = Path(ge=1, le=MAX_ID), reason: str = TextForm("", max_length=1000),
                  principal: Principal = allow(*ORG_ROLES), session: Session = Depends(get_session)):
    return _extend(request, session, principal, "/agency/deadlines", deadline_id, reason)
