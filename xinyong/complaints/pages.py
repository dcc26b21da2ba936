"""Pages of complaints and reports (QZ art. 37): anyone files and later reads the result with
the tracking code; staff assign; the assigned handler alone sees who complained; a change of
handler is asked with a reason and approved by a supervisor (four eyes); auditors list every
opening of the complainant's identity."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.complaints import opener, repository, rules, service, views
from xinyong.complaints.schemas import MAX_ID, ComplaintIn, HandleIn
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, NotFound, XinyongError
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, CodeQuery, PrivateForm, invalid_input

router = APIRouter(include_in_schema=False)
STAFF = ("staff", "admin")
READERS = ("staff", "supervisor", "admin")
SUPERVISORS = ("supervisor",)
AUDITORS = ("auditor", "admin")
PAGE = 50


def _form_invalid(exc: ValidationError) -> InvalidInput:
    return invalid_input(exc)


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


# ---- anyone: file, then read the result ----------------------------------------------------------------

@router.get("/complaints/new")
def new_form(request: Request, subject_id: int | None = Query(None, ge=1, le=MAX_ID),
             record_id: int | None = Query(None, ge=1, le=MAX_ID),
             credit_service_id: int | None = Query(None, ge=1, le=MAX_ID), principal: Principal = allow("public"),
             session: Session = Depends(get_session)):
    return _new_page(request, session, {"subject_id": subject_id or "", "record_id": record_id or "",
                                        "credit_service_id": credit_service_id or "", "kind": "complaint"})


def _new_page(request, session, form: dict, error=None, status_code=200):
    from xinyong.credit_services import repository as register   # the agencies a complaint may name
    pol, cats = service.policy(), service.categories()
    return render(request, "complaints/new.html", {
        "form": form, "error": error, "stages": pol.stages, "citation": pol.citation, "categories": cats,
        "credit_services": register.choices(session) if cats.items else []}, status_code=status_code)


@router.post("/complaints/new")
def file_complaint(request: Request, kind: str = CodeForm("complaint"), stage: str = CodeForm(""), summary: str = PrivateForm(""),
                   category: str = CodeForm("", max_length=32), credit_service_id: str = CodeForm(""),
                   subject_id: str = CodeForm(""), record_id: str = CodeForm(""), anonymous: str = CodeForm(""),
                   name: str = PrivateForm(""), contact: str = PrivateForm(""), id_number: str = CodeForm(""),
                   principal: Principal = allow("public"), session: Session = Depends(get_session)):
    form = {"kind": kind, "stage": stage, "summary": summary, "subject_id": subject_id, "record_id": record_id,
            "category": category, "credit_service_id": credit_service_id, "anonymous": bool(anonymous), "name": name, "contact": contact, "id_number": id_number}
    try:
        try:
            data = ComplaintIn(kind=kind, stage=stage, summary=summary, subject_id=_int_or_none(subject_id),
                               record_id=_int_or_none(record_id), category=category,
                               credit_service_id=_int_or_none(credit_service_id), anonymous=bool(anonymous), name=name,
                               contact=contact, id_number=id_number)
        except ValidationError as exc:
            raise _form_invalid(exc) from None
        filed = service.file(session, principal, data)
    except XinyongError as exc:
        session.rollback()
        # the identity typed in is not sent back into the page on an error either
        form.update(name="", contact="", id_number="")
        return _new_page(request, session, form, page_error(exc, language(request)), exc.status)
    session.commit()
    return render(request, "complaints/filed.html", {"complaint": filed.complaint, "secret": filed.secret,
                                                     "due_on": filed.due_on})


@router.get("/complaints/track")
def track_form(request: Request, principal: Principal = allow("public")):
    return render(request, "complaints/track.html", {"complaint": None})


@router.post("/complaints/track")
def track(request: Request, tracking_code: str = CodeForm(""), secret: str = CodeForm(""),
          principal: Principal = allow("public"), session: Session = Depends(get_session)):
    try:
        complaint = service.track(session, tracking_code[:32], secret[:64])
    except XinyongError as exc:
        return render(request, "complaints/track.html", {"complaint": None, "code": tracking_code[:32],
                                                         "error": page_error(exc, language(request))},
                      status_code=exc.status)
    return render(request, "complaints/track.html", {"complaint": views.result_out(complaint, False)})


@router.get("/me/complaints")
def my_complaints(request: Request, principal: Principal = allow("authenticated"),
                  session: Session = Depends(get_session)):
    return render(request, "complaints/mine.html",
                  {"complaints": [views.result_out(c, True) for c in service.mine(session, principal)]})


# ---- the credit department ------------------------------------------------------------------------------

@router.get("/complaints")
def queue(request: Request, status: Code | None = Query(None, pattern="^(filed|assigned|handled)$"),
          mine: bool = Query(False), page: int = Query(1, ge=1, le=10_000),
          principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    rows = repository.queue(session, status=status, handler_user_id=principal.user_id if mine else None,
                            limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "complaints/queue.html", {
        "rows": [views.staff_out(session, *row) for row in rows], "status": status, "mine": mine, "page": page,
        "has_next": len(rows) == PAGE, "counts": repository.counts_by_status(session)})


@router.get("/complaints/reassignments")
def reassignment_queue(request: Request, page: int = Query(1, ge=1, le=10_000),
                       principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    """The supervisor's queue of change-of-handler requests awaiting a decision."""
    rows = repository.pending_reassignments(session, PAGE, (page - 1) * PAGE)
    return render(request, "complaints/reassignments.html", {
        "requests": [views.reassignment_out(r) for r in rows], "page": page, "has_next": len(rows) == PAGE})


@router.get("/complaints/{complaint_id}")
def detail(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID), done: str = CodeQuery("", max_length=16),
           principal: Principal = allow(*READERS), session: Session = Depends(get_session)):
    return _detail_page(request, session, principal, complaint_id, done=done)


def _detail_page(request, session, principal, complaint_id, *, done="", error=None, form=None, status_code=200):
    row = repository.one(session, complaint_id)
    if row is None:
        raise NotFound("未找到该投诉举报", message_en="no such complaint")
    complaint = row[0]
    identity = None
    if rules.may_see_identity(principal.user_id, complaint.handler_user_id):
        _, identity = service.handler_view(session, principal, complaint_id)
        session.commit()   # the opening is audited
        row = repository.one(session, complaint_id)
    pol, re_pol = service.policy(), service.reassign_policy()
    out = views.handler_out(session, *row, identity) if identity is not None else views.staff_out(session, *row)
    requests = [views.reassignment_out(r) for r in repository.reassignments(session, complaint_id)]
    handlers = [u for u in repository.handlers(session, pol.handler_roles) if u.id != principal.user_id]
    may_request = out.status == "assigned" and (principal.role in pol.assigner_roles or identity is not None)
    return render(request, "complaints/detail.html", {
        "c": out, "identity": out.complainant if identity is not None else None,
        "is_handler": identity is not None, "may_assign": principal.role in pol.assigner_roles,
        "may_request": may_request, "may_decide": principal.role in re_pol.approver_roles,
        "requests": requests, "pending": any(r.status == "pending" for r in requests),
        "reason_min": re_pol.reason_min, "reassign_citation": re_pol.citation,
        "handlers": handlers, "outcomes": pol.outcomes, "category_name": _category_name(out.category, request),
        "done": done, "error": error, "form": form or {}}, status_code=status_code)


def _category_name(code: str | None, request: Request) -> str:
    found = service.categories().get(code)
    return found.name(language(request)) if found else ""


@router.get("/complaints/{complaint_id}/identity-views")
def identity_views(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID),
                   principal: Principal = allow(*AUDITORS), session: Session = Depends(get_session)):
    """For auditors: every opening of the complainant's identity — who, when, for what."""
    service.get(session, complaint_id)
    entries = repository.identity_views(session, complaint_id, opener.VIEWED)
    return render(request, "complaints/identity_views.html", {
        "complaint_id": complaint_id, "views": [views.identity_view_out(e) for e in entries]})


def _staff_action(request, session, principal, complaint_id, action, done: str, form: dict | None = None):
    """Run one staff action; on a refusal show the detail page with the error, else redirect."""
    return act_then_redirect(session, action, f"/complaints/{complaint_id}?done={done}", lambda exc: _detail_page(
        request, session, principal, complaint_id, error=page_error(exc, language(request)), form=form,
        status_code=exc.status))


@router.post("/complaints/{complaint_id}/reassignments")
def request_reassignment(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID), to_user_id: str = CodeForm(""),
                         reason: str = PrivateForm(""), principal: Principal = allow(*STAFF),
                         session: Session = Depends(get_session)):
    def action():
        to = _int_or_none(to_user_id)
        if to is None:
            raise InvalidInput("请选择新的承办人", field="to_user_id", message_en="choose the new handler")
        service.request_reassignment(session, principal, complaint_id, to, reason[:2001])
    return _staff_action(request, session, principal, complaint_id, action, "requested", {"reason": reason[:2001]})


@router.post("/complaints/{complaint_id}/reassignments/{request_id}/approve")
def approve_reassignment(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID),
                         request_id: int = Path(ge=1, le=MAX_ID), note: str = PrivateForm(""),
                         principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    return _staff_action(request, session, principal, complaint_id, lambda: service.decide_reassignment(
        session, principal, complaint_id, request_id, True, note[:5001]), "reassigned")


@router.post("/complaints/{complaint_id}/reassignments/{request_id}/refuse")
def refuse_reassignment(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID),
                        request_id: int = Path(ge=1, le=MAX_ID), note: str = PrivateForm(""),
                        principal: Principal = allow(*SUPERVISORS), session: Session = Depends(get_session)):
    return _staff_action(request, session, principal, complaint_id, lambda: service.decide_reassignment(
        session, principal, complaint_id, request_id, False, note[:5001]), "refused")


@router.post("/complaints/{complaint_id}/assign")
def assign(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID), handler_user_id: str = CodeForm(""),
           principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    try:
        handler = _int_or_none(handler_user_id)
        if handler is None:
            raise InvalidInput("请选择承办人", field="handler_user_id", message_en="choose a handler")
        service.assign(session, principal, complaint_id, handler)
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _detail_page(request, session, principal, complaint_id, error=page_error(exc, language(request)),
                            status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/complaints/{complaint_id}?done=assigned", status_code=303)


@router.post("/complaints/{complaint_id}/handle")
def handle(request: Request, complaint_id: int = Path(ge=1, le=MAX_ID), outcome: str = CodeForm(""),
           handling: str = PrivateForm(""), result: str = PrivateForm(""),
           principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    form = {"outcome": outcome, "handling": handling, "result": result}
    try:
        try:
            data = HandleIn(outcome=outcome, handling=handling, result=result)
        except ValidationError as exc:
            raise _form_invalid(exc) from None
        service.handle(session, principal, complaint_id, data)
    except NotFound:
        raise
    except XinyongError as exc:
        session.rollback()
        return _detail_page(request, session, principal, complaint_id, error=page_error(exc, language(request)),
                            form=form, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/complaints/{complaint_id}?done=handled", status_code=303)
