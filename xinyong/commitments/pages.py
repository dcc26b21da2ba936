"""Pages of credit commitments: the published commitments (public), the agency's commitments
with fulfilment and breach, and the accept-first check (QZ art. 25)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.commitments import repository, service
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.masking import mask_name
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, render
from xinyong.kit.text import CodeForm, TextForm
from xinyong.measures.repository import subject_by_key

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PAGE = 50


@router.get("/commitments")
def published(request: Request, page: int = Query(1, ge=1, le=10**6), principal: Principal = allow("public"),
              session: Session = Depends(get_session)):
    rows = repository.listing(session, published_only=True, limit=PAGE + 1, offset=(page - 1) * PAGE)
    rows = [(c, name if uscc else mask_name(name), uscc, agency) for c, name, uscc, agency in rows]
    return render(request, "commitments/public.html", {"rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page,
                                                       "types": service.types()})


@router.get("/agency/commitments")
def own(request: Request, done: int | None = Query(None, ge=1, le=MAX_ID), page: int = Query(1, ge=1, le=10**6),
        principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    return _own_page(request, session, principal, done=done, page=page, form={})


def _own_page(request, session, principal, *, done=None, page=1, form=None, error=None, status_code=200, sent=None):
    """``form``: a refused new commitment; ``sent``: a refused breach ({"commitment_id", "facts"})."""
    rows = repository.listing(session, agency_id=principal.agency_id or -1, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "commitments/agency.html", {
        "rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page, "done": done, "form": form or {},
        "types": service.types(), "error": page_error(error, language(request)), "sent": sent or {}},
        status_code=status_code)


@router.post("/agency/commitments")
def record(request: Request, subject: str = CodeForm(""), type: str = CodeForm(""), matter: str = TextForm(""), text: str = TextForm(""),
           commitment_no: str = CodeForm(""), deadline: str = CodeForm(""), principal: Principal = allow("agency"),
           session: Session = Depends(get_session)):
    form = {"subject": subject, "type": type, "matter": matter, "text": text, "commitment_no": commitment_no,
            "deadline": deadline}
    try:
        found = subject_by_key(session, subject)
        if found is None:
            raise InvalidInput("未找到该主体", field="subject", message_en="no such subject")
        c = service.record(session, principal, subject_id=found.id, type=type, matter=matter, text=text,
                           commitment_no=commitment_no, deadline=deadline or None)
    except XinyongError as exc:
        session.rollback()
        return _own_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/agency/commitments?done={c.id}", status_code=303)


@router.post("/agency/commitments/{commitment_id}/fulfil")
def fulfil(request: Request, commitment_id: int = Path(ge=1, le=MAX_ID), note: str = TextForm(""),
           principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    return _act(request, session, principal, commitment_id, lambda: service.fulfil(session, principal, commitment_id, note))


@router.post("/agency/commitments/{commitment_id}/breach")
def breach(request: Request, commitment_id: int = Path(ge=1, le=MAX_ID), facts: str = TextForm(""),
           principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    return _act(request, session, principal, commitment_id, lambda: service.breach(session, principal, commitment_id, facts),
                {"commitment_id": commitment_id, "facts": facts})


def _act(request, session, principal, commitment_id, action, sent: dict | None = None):
    return act_then_redirect(session, action, f"/agency/commitments?done={commitment_id}", lambda exc: _own_page(
        request, session, principal, error=exc, status_code=exc.status, sent=sent))


@router.get("/agency/accept-first")
def accept_first_form(request: Request, principal: Principal = allow("agency", "staff")):
    return render(request, "commitments/accept_first.html", {"form": {}, "decision": None, "error": None})


@router.post("/agency/accept-first")
def accept_first(request: Request, subject: str = CodeForm(""), principal: Principal = allow("agency", "staff"),
                 session: Session = Depends(get_session)):
    found = subject_by_key(session, subject)
    if found is None:
        exc = InvalidInput("未找到该主体", field="subject", message_en="no such subject")
        return render(request, "commitments/accept_first.html", {"form": {"subject": subject}, "decision": None,
                                                                  "error": page_error(exc, language(request))}, 422)
    decision = service.accept_first(session, principal, found.id)
    session.commit()
    return render(request, "commitments/accept_first.html", {"form": {"subject": subject}, "decision": decision,
                                                              "subject": found, "error": None})
