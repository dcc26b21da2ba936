"""The register of credit service agencies, as JSON (QZ art. 40-42; FZ art. 26-27): anyone reads
the public register; the credit department keeps it. Thin: parse, authorise, call, shape, commit."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.credit_services import repository, service, views
from xinyong.credit_services.schemas import (MAX_ID, CancelIn, FilingIn, FilingPatch, PublicEntryDetailOut,
                                             PublicEntryOut, RectificationIn, RuleIn, RuleOut, StaffEntryDetailOut,
                                             StaffEntryOut, SupervisionIn, SupervisionOut)
from xinyong.kit.access import Principal, allow
from xinyong.kit.text import CodeQuery
from xinyong.kit.web import get_session

router = APIRouter(tags=["credit services 信用服务机构名录"])
STAFF = ("staff", "admin")
AgencyId = Path(ge=1, le=MAX_ID)
PAGE = 20


@router.get("/api/v1/credit-services", response_model=list[PublicEntryOut])
def public_register(q: str = CodeQuery("", max_length=64), page: int = Query(1, ge=1, le=10_000),
                    principal: Principal = allow("public"), session: Session = Depends(get_session)):
    """The public register: each agency's public filing fields, 20 a page."""
    pol = service.policy()
    rows = repository.listing(session, q=q.strip(), limit=PAGE, offset=(page - 1) * PAGE)
    return [views.public_out(a, pol) for a in rows]


@router.get("/api/v1/credit-services/{credit_service_id}", response_model=PublicEntryDetailOut)
def public_entry(credit_service_id: int = AgencyId, principal: Principal = allow("public"),
                 session: Session = Depends(get_session)):
    """One entry: its public fields, published rules, supervisions and complaint counts."""
    return views.public_detail(session, service.get(session, credit_service_id))


@router.get("/api/v1/staff/credit-services", response_model=list[StaffEntryOut])
def staff_register(q: str = CodeQuery("", max_length=64), status: str | None = CodeQuery(None, pattern="^(filed|cancelled)$"),
                   page: int = Query(1, ge=1, le=10_000), principal: Principal = allow(*STAFF),
                   session: Session = Depends(get_session)):
    rows = repository.listing(session, q=q.strip(), status=status, limit=PAGE, offset=(page - 1) * PAGE)
    return [views.staff_out(a) for a in rows]


@router.get("/api/v1/staff/credit-services/{credit_service_id}", response_model=StaffEntryDetailOut)
def staff_entry(credit_service_id: int = AgencyId, principal: Principal = allow(*STAFF),
                session: Session = Depends(get_session)):
    """The whole entry, with the complaints naming the agency (never a complainant)."""
    return views.staff_detail(session, service.get(session, credit_service_id))


@router.post("/api/v1/credit-services", response_model=StaffEntryOut, status_code=201)
def register(body: FilingIn, principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    agency = service.register(session, principal, body.model_dump())
    session.commit()
    return views.staff_out(agency)


@router.post("/api/v1/credit-services/{credit_service_id}", response_model=StaffEntryOut)
def update(body: FilingPatch, credit_service_id: int = AgencyId, principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    agency = service.update(session, principal, credit_service_id, body.model_dump(exclude={"reason"}), body.reason)
    session.commit()
    return views.staff_out(agency)


@router.post("/api/v1/credit-services/{credit_service_id}/cancel", response_model=StaffEntryOut)
def cancel(body: CancelIn, credit_service_id: int = AgencyId, principal: Principal = allow(*STAFF),
           session: Session = Depends(get_session)):
    agency = service.cancel(session, principal, credit_service_id, body.reason)
    session.commit()
    return views.staff_out(agency)


@router.post("/api/v1/credit-services/{credit_service_id}/rules", response_model=RuleOut, status_code=201)
def publish_rule(body: RuleIn, credit_service_id: int = AgencyId, principal: Principal = allow(*STAFF),
                 session: Session = Depends(get_session)):
    rule = service.publish_rule(session, principal, credit_service_id, body.model_dump())
    session.commit()
    return views.rule_out(rule)


@router.post("/api/v1/credit-services/{credit_service_id}/rules/{rule_id}/withdraw", response_model=RuleOut)
def withdraw_rule(credit_service_id: int = AgencyId, rule_id: int = Path(ge=1, le=MAX_ID),
                  principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    rule = service.withdraw_rule(session, principal, credit_service_id, rule_id)
    session.commit()
    return views.rule_out(rule)


@router.post("/api/v1/credit-services/{credit_service_id}/supervisions", response_model=SupervisionOut,
             status_code=201)
def supervise(body: SupervisionIn, credit_service_id: int = AgencyId, principal: Principal = allow(*STAFF),
              session: Session = Depends(get_session)):
    row = service.record_supervision(session, principal, credit_service_id, body.model_dump())
    session.commit()
    return views.supervision_out(row, None)


@router.post("/api/v1/credit-services/{credit_service_id}/supervisions/{supervision_id}/rectification",
             response_model=SupervisionOut)
def rectify(body: RectificationIn, credit_service_id: int = AgencyId, supervision_id: int = Path(ge=1, le=MAX_ID),
            principal: Principal = allow(*STAFF), session: Session = Depends(get_session)):
    row = service.record_rectification(session, principal, credit_service_id, supervision_id, body.rectified_on,
                                       body.rectification)
    session.commit()
    return views.supervision_out(row, None)
