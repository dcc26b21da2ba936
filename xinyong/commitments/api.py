"""Commitments API: published commitments and types (public), recording, fulfilment and
breach (the agency holding the commitment), the accept-first check (agencies, credit
department)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.commitments import repository, service
from xinyong.commitments.schemas import (
    AcceptFirstIn,
    AcceptFirstOut,
    BreachIn,
    CommitmentIn,
    CommitmentOut,
    CommitmentTypeOut,
    FulfilIn,
    ReasonOut,
)
from xinyong.kit.access import Principal, allow
from xinyong.kit.masking import mask_name
from xinyong.kit.web import get_session

router = APIRouter(tags=["commitments 信用承诺"])
MAX_ID = 2**63 - 1


def commitment_out(c, subject_name: str, uscc: str | None, agency_name: str, public: bool = False) -> CommitmentOut:
    name = subject_name if uscc or not public else mask_name(subject_name)   # natural persons masked in public
    return CommitmentOut(id=c.id, subject_id=c.subject_id, subject_name=name, subject_uscc=uscc,
                         agency_name=agency_name, commitment_no=c.commitment_no, type=c.type, matter=c.matter,
                         text=c.text, signed_on=c.signed_on, deadline=c.deadline, published=c.published,
                         status=c.status, fulfilled_on=c.fulfilled_on, breached_on=c.breached_on,
                         breach_record_id=c.breach_record_id, breach_batch_id=c.breach_batch_id,
                         overdue_flagged_on=c.overdue_flagged_on, citation=c.citation)


@router.get("/api/v1/commitment-types", response_model=list[CommitmentTypeOut], dependencies=[allow("public")])
def commitment_types():
    return [CommitmentTypeOut(**vars(t)) for t in service.types().values()]


@router.get("/api/v1/commitments", response_model=list[CommitmentOut], dependencies=[allow("public")])
def published(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10**9),
              session: Session = Depends(get_session)):
    """Commitments whose type requires publication (QZ art. 25)."""
    return [commitment_out(*row, public=True)
            for row in repository.listing(session, published_only=True, limit=limit, offset=offset)]


@router.get("/api/v1/agency/commitments", response_model=list[CommitmentOut])
def own(principal: Principal = allow("agency"), limit: int = Query(50, ge=1, le=200),
        offset: int = Query(0, ge=0, le=10**9), session: Session = Depends(get_session)):
    if principal.agency_id is None:
        return []
    return [commitment_out(*row) for row in
            repository.listing(session, agency_id=principal.agency_id, limit=limit, offset=offset)]


@router.post("/api/v1/commitments", response_model=CommitmentOut, status_code=201)
def record(body: CommitmentIn, principal: Principal = allow("agency"), session: Session = Depends(get_session)):
    c = service.record(session, principal, **body.model_dump())
    session.commit()
    return _one(session, c.id)


@router.post("/api/v1/commitments/{commitment_id}/fulfil", response_model=CommitmentOut)
def fulfil(body: FulfilIn, commitment_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency"),
           session: Session = Depends(get_session)):
    service.fulfil(session, principal, commitment_id, body.note, body.on)
    session.commit()
    return _one(session, commitment_id)


@router.post("/api/v1/commitments/{commitment_id}/breach", response_model=CommitmentOut)
def breach(body: BreachIn, commitment_id: int = Path(ge=1, le=MAX_ID), principal: Principal = allow("agency"),
           session: Session = Depends(get_session)):
    """Record a breach: a dishonesty record is written through the ingest path (QZ art. 25 para. 2)."""
    service.breach(session, principal, commitment_id, body.facts, body.on, body.severity)
    session.commit()
    return _one(session, commitment_id)


@router.post("/api/v1/accept-first", response_model=AcceptFirstOut)
def accept_first(body: AcceptFirstIn, principal: Principal = allow("agency", "staff"),
                 session: Session = Depends(get_session)):
    """May an application with incomplete materials be accepted first? Every condition with its result."""
    d = service.accept_first(session, principal, body.subject_id)
    session.commit()
    return AcceptFirstOut(subject_id=body.subject_id, allowed=d.allowed, citation=d.citation,
                          reasons=[ReasonOut(ok=r.ok, text_zh=r.text_zh, text_en=r.text_en) for r in d.reasons])


def _one(session: Session, commitment_id: int) -> CommitmentOut:
    return commitment_out(*repository.listing(session, commitment_id=commitment_id, limit=1)[0])
