"""The query gate's API: the gated profile read, written authorisations, query items, legal
bases and the access log. Thin: parse, authorise, call the service, shape, commit."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong.access import gate, repository, service, views
from xinyong.access.rules import QUERY_ROLES
from xinyong.access.schemas import (
    AccessLogEntryOut,
    AuditAccessLogEntryOut,
    AuthorisationIn,
    AuthorisationOut,
    BasisKind,
    GatedProfile,
    LegalBasisOut,
    QueryItemIn,
    QueryItemOut,
    RevokeIn,
    WindowAuthorisationIn,
)
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session, language
from xinyong.kit.text import CodeQuery

router = APIRouter(tags=["query gate 查询"])
MAX_ID = 2**63 - 1
AUDITORS = ("auditor", "admin")
SubjectId = Path(ge=1, le=MAX_ID)


@router.get("/api/v1/subjects/{subject_id}/profile", response_model=GatedProfile)
def gated_profile(subject_id: int = SubjectId,
                  items: str = CodeQuery(..., min_length=1, max_length=2000, description="comma-separated item codes"),
                  purpose: str = CodeQuery("", max_length=500), basis: BasisKind = Query(...),
                  basis_id: str = CodeQuery("", max_length=100), reference: str = CodeQuery("", max_length=200),
                  principal: Principal = allow(*QUERY_ROLES, scope="profiles:read"),
                  session: Session = Depends(get_session)):
    """A subject's records of the items, public or not, on a basis the gate accepts; every
    attempt is in the access log. Refused: 403 `no_basis` with the reason."""
    wanted = [i.strip() for i in items.split(",") if i.strip()]
    read = views.read_profile(session, principal, subject_id, wanted, purpose,
                              gate.BasisRequest(basis, basis_id, reference, channel="api"))
    session.commit()  # the log row stays, allowed or refused
    if read.profile is None:
        raise views.refusal(read.decision)
    return read.profile


@router.get("/api/v1/legal-bases", response_model=list[LegalBasisOut], dependencies=[allow("public")])
def legal_bases():
    """The legal bases of judicial and administrative organs in the profile in force."""
    return views.legal_bases_out()


# ---- a subject's own authorisations --------------------------------------------------------------------

@router.get("/api/v1/me/authorisations", response_model=list[AuthorisationOut])
def my_authorisations(principal: Principal = allow("subject", scope="profiles:read"),
                      session: Session = Depends(get_session)):
    return [views.authorisation_out(*row) for row in repository.authorisations_of(session, principal.subject_id)]


@router.post("/api/v1/me/authorisations", response_model=AuthorisationOut, status_code=201)
def grant(body: AuthorisationIn, request: Request, principal: Principal = allow("subject", scope="authorisations:write"),
          session: Session = Depends(get_session)):
    auth = service.grant(session, principal, body, lang=language(request), channel="api")
    session.commit()
    return views.authorisation_out(*repository.authorisation_with_grantee(session, auth.id))


@router.post("/api/v1/me/authorisations/{auth_id}/revoke", response_model=AuthorisationOut)
def revoke(body: RevokeIn, auth_id: int = Path(ge=1, le=MAX_ID),
           principal: Principal = allow("subject", scope="authorisations:write"), session: Session = Depends(get_session)):
    service.revoke(session, principal, auth_id, body.reason)
    session.commit()
    return views.authorisation_out(*repository.authorisation_with_grantee(session, auth_id))


# ---- paper authorisations at the service window (credit-department staff) -----------------------------

@router.post("/api/v1/authorisations", response_model=AuthorisationOut, status_code=201)
def record_paper(body: WindowAuthorisationIn, principal: Principal = allow("staff", scope="authorisations:write"),
                 session: Session = Depends(get_session)):
    subject_id = service.subject_for_window(session, body.subject_uscc, body.subject_resident_id)
    auth = service.grant(session, principal, body, subject_id=subject_id, channel="window")
    session.commit()
    return views.authorisation_out(*repository.authorisation_with_grantee(session, auth.id))


@router.post("/api/v1/authorisations/{auth_id}/revoke", response_model=AuthorisationOut)
def revoke_at_window(body: RevokeIn, auth_id: int = Path(ge=1, le=MAX_ID),
                     principal: Principal = allow("staff", scope="authorisations:write"),
                     session: Session = Depends(get_session)):
    service.revoke(session, principal, auth_id, body.reason)
    session.commit()
    return views.authorisation_out(*repository.authorisation_with_grantee(session, auth_id))


# ---- query items -----------------------------------------------------------------------------------------

@router.get("/api/v1/query-items", response_model=list[QueryItemOut], dependencies=[allow("public")])
def published_query_items(session: Session = Depends(get_session)):
    """Published query items (FZ art. 13 para. 2: 向社会公布)."""
    return [views.query_item_out(q, a) for q, a in repository.query_items(session, published_only=True)]


@router.get("/api/v1/query-items/{item_id}", response_model=QueryItemOut)
def query_item(item_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("public"),
               session: Session = Depends(get_session)):
    return views.query_item_out(*service.visible_query_item(session, principal, item_id))


@router.get("/api/v1/agency/query-items", response_model=list[QueryItemOut])
def own_query_items(principal: Principal = allow("agency", scope="query_items:write"),
                    session: Session = Depends(get_session)):
    return [views.query_item_out(q, a) for q, a in repository.query_items(session, org_id=principal.agency_id)]


@router.post("/api/v1/query-items", response_model=QueryItemOut, status_code=201)
def create_query_item(body: QueryItemIn, principal: Principal = allow("agency", scope="query_items:write"),
                      session: Session = Depends(get_session)):
    qi = service.create_query_item(session, principal, body)
    session.commit()
    return views.query_item_out(*repository.query_item_with_org(session, qi.id))


@router.post("/api/v1/query-items/{item_id}/publish", response_model=QueryItemOut)
def publish_query_item(item_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency", scope="query_items:write"),
                       session: Session = Depends(get_session)):
    service.publish_query_item(session, principal, item_id)
    session.commit()
    return views.query_item_out(*repository.query_item_with_org(session, item_id))


@router.post("/api/v1/query-items/{item_id}/withdraw", response_model=QueryItemOut)
def withdraw_query_item(item_id: int = Path(ge=1, le=MAX_ID),
                        principal: Principal = allow("agency", scope="query_items:write"),
                        session: Session = Depends(get_session)):
    service.withdraw_query_item(session, principal, item_id)
    session.commit()
    return views.query_item_out(*repository.query_item_with_org(session, item_id))


# ---- the access log ------------------------------------------------------------------------------------

@router.get("/api/v1/me/access-log", response_model=list[AccessLogEntryOut])
def my_access_log(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=100_000),
                  principal: Principal = allow("subject", scope="profiles:read"), session: Session = Depends(get_session)):
    """Who looked at my data: every attempt, allowed or refused (FZ art. 24, QZ art. 33)."""
    return views.my_log(session, principal, limit, offset)


@router.get("/api/v1/me/access-log/{entry_id}", response_model=AccessLogEntryOut)
def my_access_log_entry(entry_id: int = Path(ge=1, le=MAX_ID),
                        on: dt.date | None = Query(None, description="the entry's date (as listed): only "
                                                   "its month of the log is read"),
                        principal: Principal = allow("subject", scope="profiles:read"),
                        session: Session = Depends(get_session)):
    return views.my_log_entry(session, principal, entry_id, on=on)


@router.get("/api/v1/access-log", response_model=list[AuditAccessLogEntryOut])
def search_access_log(subject_id: int | None = Query(None, ge=1, le=MAX_ID), org_id: int | None = Query(None, ge=1, le=MAX_ID),
                      allowed: bool | None = None, date_from: dt.date | None = Query(None, alias="from"),
                      date_to: dt.date | None = Query(None, alias="to"), limit: int = Query(100, ge=1, le=500),
                      offset: int = Query(0, ge=0, le=1_000_000),
                      principal: Principal = allow(*AUDITORS, scope="audit:read"), session: Session = Depends(get_session)):
    """Every pass through the gate (FZ art. 12, QZ art. 14), for auditors."""
    start, end = views.day_bounds(date_from, date_to)
    where = repository.LogFilter(subject_id=subject_id, org_id=org_id, allowed=allowed, date_from=start, date_to=end)
    found = views.audit_log(session, where, limit, offset, reader=principal)
    session.commit()
    return found

