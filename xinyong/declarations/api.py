"""Self-declared information API (QZ art. 13, FZ art. 10 para. 2). Thin: parse, authorise,
call the service, shape, commit. Every answer carries the label and the article."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from xinyong.declarations import repository, service, views
from xinyong.declarations.schemas import (MAX_ID, DeclarationIn, DeclarationOut, PublicDeclarationOut,
                                          StaffDeclarationOut, WithdrawIn)
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session
from xinyong.kit.text import Code

router = APIRouter(tags=["declarations 自主申报"])
DeclarationId = Path(ge=1, le=MAX_ID)


@router.get("/api/v1/subjects/{subject_id}/declarations", response_model=list[PublicDeclarationOut],
            dependencies=[allow("public")])
def public_declarations(subject_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)):
    """A subject's published self-declared information, each item labelled as declared by the
    subject and not verified by the platform. Natural persons' declarations are never public."""
    pol, rows = service.public_of(session, subject_id)
    return [views.public_out(d, pol) for d in rows]


@router.get("/api/v1/me/declarations", response_model=list[DeclarationOut])
def my_declarations(principal: Principal = allow("subject", scope="profiles:read"),
                    session: Session = Depends(get_session)):
    rows = service.mine(session, principal)
    pol = service.display_policy() if rows else None
    return [views.own_out(d, pol) for d in rows]


@router.post("/api/v1/me/declarations", response_model=DeclarationOut, status_code=201)
def declare(body: DeclarationIn, principal: Principal = allow("subject"), session: Session = Depends(get_session)):
    """Declare own market credit information; `pledge_accepted` must be true."""
    d = service.declare(session, principal, body)
    session.commit()
    return views.own_out(d, service.display_policy())


@router.post("/api/v1/me/declarations/{declaration_id}/withdraw", response_model=DeclarationOut)
def withdraw_own(body: WithdrawIn, declaration_id: int = DeclarationId, principal: Principal = allow("subject"),
                 session: Session = Depends(get_session)):
    d = service.withdraw_own(session, principal, declaration_id, body.reason)
    session.commit()
    return views.own_out(d, service.display_policy())


@router.get("/api/v1/declarations", response_model=list[StaffDeclarationOut])
def all_declarations(status: Code | None = Query(None, pattern="^(published|withdrawn)$"),
                     subject_id: int | None = Query(None, ge=1, le=MAX_ID), limit: int = Query(50, ge=1, le=500),
                     offset: int = Query(0, ge=0, le=10**9), principal: Principal = allow(*service.STAFF_ROLES),
                     session: Session = Depends(get_session)):
    """Every declaration, published and withdrawn, for the credit department."""
    rows = repository.listing(session, status=status, subject_id=subject_id, limit=limit, offset=offset)
    pol = service.display_policy() if rows else None
    return [views.staff_out(*row, pol) for row in rows]


@router.post("/api/v1/declarations/{declaration_id}/withdraw", response_model=StaffDeclarationOut)
def withdraw_unlawful(body: WithdrawIn, declaration_id: int = DeclarationId,
                      principal: Principal = allow(*service.STAFF_ROLES), session: Session = Depends(get_session)):
    """Withdraw a declaration found unlawful, with the reason; the subject is notified."""
    service.withdraw_unlawful(session, principal, declaration_id, body.reason)
    session.commit()
    return views.staff_out(*repository.one_with_subject(session, declaration_id), service.display_policy())
