"""Back-office pages of the query gate: an organisation queries a subject on a basis (and sees
the result or the reason for refusal); an agency drafts, publishes and withdraws its query
items; credit-department staff record paper authorisations at the service window; auditors
search the access log."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.access import gate, repository, service, views, window
from xinyong.access.pages import form_invalid, grant_form, item_choices, item_names, read_power_of_attorney
from xinyong.access.rules import BASES, QUERY_ROLES
from xinyong.access.schemas import QueryItemIn, WindowAuthorisationIn
from xinyong.agencies import service as agencies
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, XinyongError
from xinyong.kit.web import get_session, language, page_error, render
from xinyong.kit.text import Code, CodeForm, CodeQuery, TextForm

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
OFFICE_QUERY_ROLES = tuple(r for r in QUERY_ROLES if r != "subject")
AUDITORS = ("auditor", "admin")
LOG_PAGE = 100


# ---- querying a subject -------------------------------------------------------------------------------

@router.get("/agency/query")
def query_page(request: Request, principal: Principal = allow(*OFFICE_QUERY_ROLES), session: Session = Depends(get_session)):
    return _query_page(request, session, principal, form={"items": [], "basis": "authorisation"})


@router.post("/agency/query")
def query(request: Request, subject: str = CodeForm("", max_length=40), items: list[Code] = Form([]),
          purpose: str = TextForm("", max_length=500), basis: str = CodeForm("authorisation", max_length=32),
          basis_id: str = CodeForm("", max_length=100), reference: str = TextForm("", max_length=200),
          principal: Principal = allow(*OFFICE_QUERY_ROLES), session: Session = Depends(get_session)):
    form = {"subject": subject, "items": items, "purpose": purpose, "basis": basis, "basis_id": basis_id,
            "reference": reference}
    try:
        if not items:
            raise InvalidInput("请选择要查询的信息项目", field="items", message_en="choose the items to query")
        subject_id = window.find(session, subject)
        read = views.read_profile(session, principal, subject_id, items, purpose,
                                  gate.BasisRequest(basis, basis_id, reference, channel="web"))
    except XinyongError as exc:
        session.rollback()
        return _query_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()  # the access log row, allowed or refused
    status = 200 if read.decision.allowed else 403
    return _query_page(request, session, principal, form=form, read=read, status_code=status)


def _query_page(request: Request, session: Session, principal: Principal, *, form: dict, read=None,
                error: XinyongError | None = None, status_code: int = 200):
    lang = language(request)
    own_items = (repository.query_items(session, org_id=principal.agency_id, published_only=True)
                 if principal.role == "agency" and principal.agency_id else [])
    ctx = {"form": form, "bases": BASES, "choices": item_choices(lang), "item_names": item_names(lang),
           "query_items": [views.query_item_out(q, a) for q, a in own_items], "legal_bases": views.legal_bases_out(),
           "read": read, "decision": views.decision_out(read.decision) if read else None,
           "error": page_error(error, lang)}
    return render(request, "access/agency_query.html", ctx, status_code=status_code)


# ---- an agency's query items ----------------------------------------------------------------------------

@router.get("/agency/query-items")
def own_query_items(request: Request, principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    return _query_items_page(request, session, principal)


@router.post("/agency/query-items")
def create_query_item(request: Request, matter: str = TextForm(""), items: list[Code] = Form([]), legal_basis: str = TextForm(""),
                      principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    form = {"matter": matter, "items": items, "legal_basis": legal_basis}
    try:
        try:
            data = QueryItemIn(matter=matter, items=items, legal_basis=legal_basis)
        except ValidationError as exc:
            raise form_invalid(exc) from None
        service.create_query_item(session, principal, data)
    except XinyongError as exc:
        session.rollback()
        return _query_items_page(request, session, principal, form=form, error=exc, status_code=exc.status)
    session.commit()
    return RedirectResponse("/agency/query-items", status_code=303)


@router.post("/agency/query-items/{item_id}/publish")
def publish_query_item(item_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency"),
                       session: Session = Depends(get_session)):
    service.publish_query_item(session, principal, item_id)
    session.commit()
    return RedirectResponse("/agency/query-items", status_code=303)


@router.post("/agency/query-items/{item_id}/withdraw")
def withdraw_query_item(item_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency"),
                        session: Session = Depends(get_session)):
    service.withdraw_query_item(session, principal, item_id)
    session.commit()
    return RedirectResponse("/agency/query-items", status_code=303)


def _query_items_page(request: Request, session: Session, principal: Principal, *, form: dict | None = None,
                      error: XinyongError | None = None, status_code: int = 200):
    lang = language(request)
    rows = repository.query_items(session, org_id=principal.agency_id)
    policy = gate.policy()   # no restricted class, no item read only on written authorisation
    choices = [c for c in item_choices(lang, policy) if ":" not in c[0] and c[0] not in policy.consent_only]
    ctx = {"query_items": [views.query_item_out(q, a) for q, a in rows], "choices": choices,
           "item_names": item_names(lang), "form": form or {"items": []}, "error": page_error(error, lang)}
    return render(request, "access/agency_query_items.html", ctx, status_code=status_code)


# ---- paper authorisations at the service window ----------------------------------------------------------

VISIT = gate.PURPOSES["window_authorisation"]   # logged as the subject's access


@router.get("/window/authorisations")
def window_page(request: Request, subject_id: int | None = Query(None, ge=1, le=MAX_ID),
                principal: Principal = allow("staff"), session: Session = Depends(get_session)):
    return _window_page(request, session, principal, subject_id=subject_id, form={"items": []})


@router.post("/window/authorisations/lookup")
def window_lookup(request: Request, subject: str = CodeForm("", max_length=40), principal: Principal = allow("staff"),
                  session: Session = Depends(get_session)):
    """The identifier goes in the body; the page goes on under the subject's opaque id."""
    return window.look_up(session, principal, subject, "/window/authorisations", VISIT, lambda exc: _window_page(
        request, session, principal, subject_id=None, form={"items": []}, lookup_error=exc, lookup_sent=subject,
        status_code=exc.status))


@router.post("/window/authorisations")
def window_grant(request: Request, subject: str = CodeForm("", max_length=40), grantee_uscc: str = CodeForm(""),
                 items: list[Code] = Form([]), purpose: str = TextForm(""), valid_to: str = CodeForm(""),
                 document_ref: str = TextForm(""), restricted_consent: str = CodeForm(""),
                 signatory_name: str = TextForm("", max_length=100), signatory_capacity: str = CodeForm("", max_length=24),
                 power_of_attorney: UploadFile | None = File(None), principal: Principal = allow("staff"),
                 session: Session = Depends(get_session)):
    form = {"subject": subject, "grantee_uscc": grantee_uscc, "items": items, "purpose": purpose,
            "valid_to": valid_to, "document_ref": document_ref, "restricted_consent": bool(restricted_consent),
            "signatory_name": signatory_name, "signatory_capacity": signatory_capacity,
            "power_of_attorney": read_power_of_attorney(power_of_attorney)}
    try:
        subject_id = window.visit(session, principal, subject, VISIT)
        data = grant_form(form, WindowAuthorisationIn)
        service.grant(session, principal, data, subject_id=subject_id, lang=language(request), channel="window")
    except XinyongError as exc:
        session.rollback()
        return _window_page(request, session, principal, subject_id=None, form=form, error=exc, status_code=exc.status)
    session.commit()
    return window.found("/window/authorisations", subject_id)


@router.post("/window/authorisations/{auth_id}/revoke")
def window_revoke(auth_id: int = Path(ge=1, le=MAX_ID), subject_id: int | None = Form(None, ge=1, le=MAX_ID),
                  reason: str = TextForm("", max_length=500), principal: Principal = allow("staff"),
                  session: Session = Depends(get_session)):
    service.revoke(session, principal, auth_id, reason)
    session.commit()
    if subject_id is None:
        return RedirectResponse("/window/authorisations", status_code=303)
    return window.found("/window/authorisations", subject_id)


def _window_page(request: Request, session: Session, principal: Principal, *, subject_id: int | None, form: dict,
                 error: XinyongError | None = None, lookup_error: XinyongError | None = None, lookup_sent: str = "",
                 status_code: int = 200):
    lang, policy = language(request), gate.policy()
    shown = window.label(session, principal, subject_id)
    authorisations = ([views.authorisation_out(*r) for r in repository.authorisations_of(session, subject_id)]
                      if shown else [])
    ctx = {"form": form, "shown": shown, "subject_id": subject_id, "authorisations": authorisations,
           "lookup_error": page_error(lookup_error, lang), "lookup_sent": lookup_sent,
           "organisations": agencies.list_in_standing(session), "choices": item_choices(lang, policy),
           "item_names": item_names(lang), "consent_notice": (policy.consent_notice or {}).get(lang),
           "error": page_error(error, lang)}
    return render(request, "access/window_authorisations.html", ctx, status_code=status_code)


# ---- the access log, for auditors ----------------------------------------------------------------------

def _optional_id(raw: str, field: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise InvalidInput(f"{field} 应为正整数", field=field, message_en=f"{field}: a positive whole number")
    return int(raw)


def _optional_date(raw: str, field: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{field} 应为日期 YYYY-MM-DD", field=field,
                           message_en=f"{field}: a date YYYY-MM-DD") from None


@router.get("/audit/access-log")
def audit_access_log(request: Request, subject_id: str = CodeQuery("", max_length=20),
                     org_id: str = CodeQuery("", max_length=20), allowed: str = CodeQuery("", max_length=5),
                     date_from: str = CodeQuery("", alias="from", max_length=10),
                     date_to: str = CodeQuery("", alias="to", max_length=10),
                     page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*AUDITORS),
                     session: Session = Depends(get_session)):
    # a search form sends every field, the empty ones too: empty means "any"
    subject_id, org_id = _optional_id(subject_id, "subject_id"), _optional_id(org_id, "org_id")
    date_from, date_to = _optional_date(date_from, "from"), _optional_date(date_to, "to")
    start, end = views.day_bounds(date_from, date_to)
    flag = {"true": True, "false": False}.get(allowed)
    where = repository.LogFilter(subject_id=subject_id, org_id=org_id, allowed=flag, date_from=start, date_to=end)
    found = views.audit_log(session, where, LOG_PAGE + 1, (page - 1) * LOG_PAGE, reader=principal,
                            lang=language(request))
    session.commit()
    filters = {"subject_id": subject_id or "", "org_id": org_id or "", "allowed": allowed,
               "from": date_from.isoformat() if date_from else "", "to": date_to.isoformat() if date_to else ""}
    ctx = {"entries": found[:LOG_PAGE], "page": page, "has_next": len(found) > LOG_PAGE, "filters": filters,
           "pager_query": urlencode({k: v for k, v in filters.items() if v}) + "&",
           "organisations": agencies.list_all(session), "item_names": item_names(language(request))}
    return render(request, "access/audit_access_log.html", ctx)
