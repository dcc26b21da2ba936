"""Pages of the register of credit service agencies: the public register (/credit-services) and
each entry; the credit department's desk (/staff/credit-services) to file an agency, correct or
cancel its filing, publish its rules and record supervisions and rectifications."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.credit_services import repository, service, views
from xinyong.credit_services.schemas import MAX_ID
from xinyong.history import versions
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.text import CodeForm, CodeQuery, PrivateForm, TextForm
from xinyong.kit.web import act_then_redirect, get_session, language, page_error, render

router = APIRouter(include_in_schema=False)
STAFF = ("staff", "admin")
AgencyId = Path(ge=1, le=MAX_ID)
PAGE = 20


def _date(text: str, field: str, required: bool = True) -> dt.date | None:
    if not text.strip() and not required:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("请填写日期（年-月-日）", field=field, message_en="enter the date (YYYY-MM-DD)") from None


# ---- public ----------------------------------------------------------------------------------------------

@router.get("/credit-services")
def public_register(request: Request, q: str = CodeQuery("", max_length=64), page: int = Query(1, ge=1, le=10_000),
                    principal: Principal = allow("public"), session: Session = Depends(get_session)):
    pol = service.policy()
    rows = repository.listing(session, q=q.strip(), limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "credit_services/list.html", {
        "rows": [views.public_out(a, pol) for a in rows[:PAGE]], "has_next": len(rows) > PAGE, "page": page,
        "pager_query": f"q={q}&" if q else "", "q": q, "policy": pol})


@router.get("/credit-services/{credit_service_id}")
def public_entry(request: Request, credit_service_id: int = AgencyId, principal: Principal = allow("public"),
                 session: Session = Depends(get_session)):
    entry = views.public_detail(session, service.get(session, credit_service_id))
    return render(request, "credit_services/entry.html", {"e": entry})


# ---- the credit department ---------------------------------------------------------------------------------

def _desk(request, session, *, page=1, q="", form=None, error=None, status_code=200):
    rows = repository.listing(session, q=q.strip(), limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "credit_services/staff.html", {
        "rows": [views.staff_out(a) for a in rows[:PAGE]], "has_next": len(rows) > PAGE, "page": page,
        "pager_query": f"q={q}&" if q else "", "q": q, "policy": service.policy(),
        "form": form or {"filed_on": clock.today().isoformat()}, "error": page_error(error, language(request))},
        status_code=status_code)


@router.get("/staff/credit-services")
def desk(request: Request, q: str = CodeQuery("", max_length=64), page: int = Query(1, ge=1, le=10_000),
         principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _desk(request, session, page=page, q=q)


@router.post("/staff/credit-services")
def register(request: Request, uscc: str = CodeForm("", max_length=18), name: str = TextForm("", max_length=200),
             filing_no: str = TextForm("", max_length=64), filed_on: str = CodeForm("", max_length=20),
             business_scope: str = TextForm("", max_length=20000), contact: str = PrivateForm("", max_length=1000),
             principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    form = {"uscc": uscc, "name": name, "filing_no": filing_no, "filed_on": filed_on,
            "business_scope": business_scope, "contact": contact}
    try:
        agency = service.register(session, principal, {**form, "filed_on": _date(filed_on, "filed_on")})
    except XinyongError as exc:
        session.rollback()
        return _desk(request, session, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse(f"/staff/credit-services/{agency.id}?done=registered", status_code=303)


def _entry_page(request, session, agency_id, *, done="", error=None, status_code=200, sent=None):
    """``sent``: what a refused form sent ({"form": its name, its fields}), shown back in that form."""
    from xinyong.complaints import service as complaints
    agency = service.get(session, agency_id)
    return render(request, "credit_services/staff_entry.html", {
        "e": views.staff_detail(session, agency), "policy": service.policy(), "done": done,
        "categories": complaints.categories(), "history": versions(session, "credit_service_agency", agency.id),
        "today": clock.today().isoformat(), "error": page_error(error, language(request)), "sent": sent or {}},
        status_code=status_code)


@router.get("/staff/credit-services/{credit_service_id}")
def entry(request: Request, credit_service_id: int = AgencyId, done: str = CodeQuery("", max_length=16),
          principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _entry_page(request, session, credit_service_id, done=done)


def _after(request, session, agency_id, action, done: str, sent: dict | None = None):
    return act_then_redirect(session, action, f"/staff/credit-services/{agency_id}?done={done}", lambda exc: _entry_page(
        request, session, agency_id, error=exc, status_code=exc.status, sent=sent))


@router.post("/staff/credit-services/{credit_service_id}")
def update(request: Request, credit_service_id: int = AgencyId, name: str = TextForm("", max_length=200),
           filing_no: str = TextForm("", max_length=64), filed_on: str = CodeForm("", max_length=20),
           business_scope: str = TextForm("", max_length=20000), contact: str = PrivateForm("", max_length=1000),
           reason: str = TextForm("", max_length=1000), principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    def act():
        service.update(session, principal, credit_service_id, {
            "name": name, "filing_no": filing_no, "filed_on": _date(filed_on, "filed_on"),
            "business_scope": business_scope, "contact": contact}, reason)
    sent = {"form": "edit", "name": name, "filing_no": filing_no, "filed_on": filed_on, "business_scope": business_scope,
            "contact": contact, "reason": reason}
    return _after(request, session, credit_service_id, act, "updated", sent)


@router.post("/staff/credit-services/{credit_service_id}/cancel")
def cancel(request: Request, credit_service_id: int = AgencyId, reason: str = TextForm("", max_length=1000),
           principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _after(request, session, credit_service_id,
                  lambda: service.cancel(session, principal, credit_service_id, reason), "cancelled",
                  {"form": "cancel", "reason": reason})


@router.post("/staff/credit-services/{credit_service_id}/rules")
def publish_rule(request: Request, credit_service_id: int = AgencyId, kind: str = CodeForm("", max_length=16),
                 title: str = TextForm("", max_length=400), body: str = TextForm("", max_length=20000),
                 channel: str = TextForm("", max_length=1000), principal: Principal = allow(*STAFF),
                 session: Session = Depends(get_session)):
    data = {"kind": kind, "title": title, "body": body, "channel": channel}
    return _after(request, session, credit_service_id,
                  lambda: service.publish_rule(session, principal, credit_service_id, data), "rule_published",
                  {"form": "rule", **data})


@router.post("/staff/credit-services/{credit_service_id}/rules/{rule_id}/withdraw")
def withdraw_rule(request: Request, credit_service_id: int = AgencyId, rule_id: int = Path(ge=1, le=MAX_ID),
                  principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _after(request, session, credit_service_id,
                  lambda: service.withdraw_rule(session, principal, credit_service_id, rule_id), "rule_withdrawn")


@router.post("/staff/credit-services/{credit_service_id}/supervisions")
def supervise(request: Request, credit_service_id: int = AgencyId, kind: str = CodeForm("", max_length=24),
              inspected_on: str = CodeForm("", max_length=20), department: str = TextForm("", max_length=200),
              findings: str = TextForm("", max_length=20000), outcome: str = CodeForm("", max_length=32),
              basis: str = TextForm("", max_length=2000), rectification_due: str = CodeForm("", max_length=20),
              principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    def act():
        service.record_supervision(session, principal, credit_service_id, {
            "kind": kind, "inspected_on": _date(inspected_on, "inspected_on"), "department": department,
            "findings": findings, "outcome": outcome, "basis": basis,
            "rectification_due": _date(rectification_due, "rectification_due", required=False)})
    sent = {"form": "supervision", "kind": kind, "inspected_on": inspected_on, "department": department,
            "findings": findings, "outcome": outcome, "basis": basis, "rectification_due": rectification_due}
    return _after(request, session, credit_service_id, act, "supervised", sent)


@router.post("/staff/credit-services/{credit_service_id}/supervisions/{supervision_id}/rectification")
def rectify(request: Request, credit_service_id: int = AgencyId, supervision_id: int = Path(ge=1, le=MAX_ID),
            rectified_on: str = CodeForm("", max_length=20), rectification: str = TextForm("", max_length=20000),
            principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    return _after(request, session, credit_service_id, lambda: service.record_rectification(
        session, principal, credit_service_id, supervision_id, _date(rectified_on, "rectified_on"), rectification),
        "rectified", {"form": "rectification", "supervision_id": supervision_id, "rectified_on": rectified_on,
                      "rectification": rectification})
