"""The organisation administrator's page of its staff accounts (xinyong.accounts.staff)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from xinyong.accounts import staff
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import XinyongError
from xinyong.kit.text import CodeForm, CodePath, TextForm
from xinyong.kit.web import get_session, language, refusal_text, render

router = APIRouter(include_in_schema=False)
ADMIN = "agency_admin"


def _page(request: Request, session: Session, principal: Principal, error: str | None = None, status_code: int = 200,
          form: dict | None = None):
    return render(request, "accounts/staff.html", {
        "members": staff.list_staff(session, principal), "roles": staff.staff_roles(session, principal),
        "error": error, "done": request.query_params.get("done"), "form": form or {}}, status_code=status_code)


def _failed(request: Request, session: Session, principal: Principal, exc: XinyongError, form: dict | None = None):
    """The page again with the refusal; ``form``: what the new-member form sent, shown back in it."""
    session.rollback()
    return _page(request, session, principal, refusal_text(exc, language(request)), exc.status,
                 form)


@router.get("/agency/staff")
def staff_page(request: Request, principal: Principal = allow(ADMIN), session: Session = Depends(get_session)):
    return _page(request, session, principal)


@router.post("/agency/staff")
def create_member(request: Request, username: str = CodeForm(..., max_length=64), role: str = CodeForm(..., max_length=32),
                  email: str = CodeForm(..., max_length=254), display_name: str = TextForm("", max_length=100),
                  principal: Principal = allow(ADMIN), session: Session = Depends(get_session)):
    try:
        outgoing = staff.create(session, principal, username=username, role=role, email=email,
                                display_name=display_name)
    except XinyongError as exc:
        return _failed(request, session, principal, exc, {"username": username, "role": role, "email": email,
                                                           "display_name": display_name})
    session.commit()
    return RedirectResponse("/agency/staff?done=created", status_code=303,
                            background=BackgroundTask(outgoing.send) if outgoing else None)


@router.post("/agency/staff/{username}/disable")
def disable_member(request: Request, username: str = CodePath(min_length=1, max_length=64),
                   reason: str = TextForm(..., min_length=1, max_length=500), principal: Principal = allow(ADMIN),
                   session: Session = Depends(get_session)):
    return _set_active(request, session, principal, username, False, reason)


@router.post("/agency/staff/{username}/enable")
def enable_member(request: Request, username: str = CodePath(min_length=1, max_length=64),
                  reason: str = TextForm(..., min_length=1, max_length=500), principal: Principal = allow(ADMIN),
                  session: Session = Depends(get_session)):
    return _set_active(request, session, principal, username, True, reason)


def _set_active(request, session, principal, username, active, reason):
    try:
        staff.set_active(session, principal, username, active, reason)
    except XinyongError as exc:
        return _failed(request, session, principal, exc)
    session.commit()
    return RedirectResponse(f"/agency/staff?done={'enabled' if active else 'disabled'}", status_code=303)


@router.post("/agency/staff/{username}/reset")
def reset_member(request: Request, username: str = CodePath(min_length=1, max_length=64),
                 principal: Principal = allow(ADMIN), session: Session = Depends(get_session)):
    try:
        outgoing = staff.reset(session, principal, username)
    except XinyongError as exc:
        return _failed(request, session, principal, exc)
    session.commit()
    return RedirectResponse("/agency/staff?done=reset", status_code=303, background=BackgroundTask(outgoing.send))
