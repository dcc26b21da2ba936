"""Sign-in and sign-out pages for staff of organisations."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.accounts import service
from xinyong.kit.access import allow, csrf_token
from xinyong.kit.errors import Unauthenticated
from xinyong.kit.web import get_session, language, render
from xinyong.kit.text import Code, CodeForm

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", dependencies=[allow("public")])
def login_page(request: Request, next: Code = "/"):
    return render(request, "accounts/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", dependencies=[allow("public")])
def login(request: Request, username: str = CodeForm(..., max_length=64), password: str = CodeForm(..., max_length=200),
          next: str = CodeForm("/"), session: Session = Depends(get_session)):
    try:
        user = service.authenticate(session, username.strip(), password)
    except Unauthenticated as exc:
        session.commit()  # keep the failure count
        message = exc.message if language(request) == "zh" else exc.message_en
        return render(request, "accounts/login.html", {"next": _safe_next(next), "error": message}, status_code=401)
    session.commit()
    request.session.clear()
    request.session["user_id"] = user.id
    csrf_token(request)  # a fresh token for the new session
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[allow("authenticated")])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/", status_code=303)
