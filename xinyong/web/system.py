"""Liveness and language switch."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.kit.access import allow
from xinyong.kit.web import LANGS, get_session
from xinyong.kit.text import Code
from xinyong.law import active_profile

router = APIRouter()


@router.get("/api/v1/health", tags=["system"],
            dependencies=[allow("public", unthrottled="polled by load balancers and monitors; reveals nothing")])
def health(session: Session = Depends(get_session)):
    session.execute(text("SELECT 1"))
    profile = active_profile()
    return {"status": "ok", "today": clock.today().isoformat(), "profile": profile.name}


@router.get("/lang/{code}", include_in_schema=False, dependencies=[allow("public")])
def switch_language(code: Code, request: Request):
    back = request.headers.get("referer") or "/"
    if not back.startswith(str(request.base_url)) and not back.startswith("/"):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    if code in LANGS:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
