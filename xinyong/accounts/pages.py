"""Sign-in, sign-out and password change pages."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.accounts import service, sessions
from xinyong.config import get_settings
from xinyong.kit.access import Principal, allow, csrf_token
from xinyong.kit.errors import InvalidInput, TooManyRequests, Unauthenticated, XinyongError
from xinyong.kit.ratelimit import client_ip, parse_networks
from xinyong.kit.web import get_session, language, refusal_text, render
from xinyong.kit.text import Code, CodeForm, PrivateForm

router = APIRouter(include_in_schema=False)
HOME = "/workbench"


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _message(request: Request, exc: XinyongError) -> str:
    return refusal_text(exc, language(request))


@router.get("/login", dependencies=[allow("public")])
def login_page(request: Request, next: Code = "/"):
    return render(request, "accounts/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", dependencies=[allow("public")])
def login(request: Request, username: str = CodeForm(..., max_length=64), password: str = PrivateForm(..., max_length=200),
          next: str = CodeForm("/"), session: Session = Depends(get_session)):
    client = client_ip(request.scope, parse_networks(get_settings().trusted_proxies))
    try:
        user = service.authenticate(session, username.strip(), password, client)
    except (Unauthenticated, TooManyRequests) as exc:
        session.commit()  # keep the failure count and the audit entry
        response = render(request, "accounts/login.html", {"next": _safe_next(next), "error": _message(request, exc),
                                                           "username": username}, status_code=exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response
    browser = sessions.browser(request)
    sessions.end(session, browser.token)  # a session signed in again is replaced, never reused
    browser.replace(sessions.start(session, user.id))
    session.commit()
    target = _safe_next(next)
    # no page asked for: each role lands on its own home (its workbench; a subject's home)
    # (an account whose identity is not proved yet: the page where it proves it)
    home = "/account/identity" if user.role == "registrant" else HOME
    return RedirectResponse(home if target == "/" else target, status_code=303)


@router.post("/logout", dependencies=[allow("authenticated", "registrant")])
def logout(request: Request, session: Session = Depends(get_session)):
    browser = sessions.browser(request)
    sessions.end(session, browser.token)
    session.commit()
    browser.replace(None)
    return RedirectResponse("/", status_code=303)


@router.get("/account/password")
def password_page(request: Request, principal: Principal = allow("authenticated", "registrant")):
    return render(request, "accounts/password.html", {"error": None, "done": request.query_params.get("done")})


@router.post("/account/password")
def change_password(request: Request, current_password: str = PrivateForm("", max_length=200),
                    new_password: str = PrivateForm("", max_length=200), confirm_password: str = PrivateForm("", max_length=200),
                    principal: Principal = allow("authenticated", "registrant"), session: Session = Depends(get_session)):
    try:
        if principal.via != "session":
            raise Unauthenticated("请在网页登录后修改密码", message_en="change the password in a signed-in page session")
        if new_password != confirm_password:
            raise InvalidInput("两次输入的新密码不一致", field="confirm_password",
                               message_en="the two new passwords differ")
        service.change_password(session, principal, current_password, new_password)
    except XinyongError as exc:
        session.rollback()
        return render(request, "accounts/password.html", {"error": _message(request, exc), "done": None},
                      status_code=exc.status)
    browser = sessions.browser(request)
    browser.replace(sessions.start(session, principal.user_id))  # every other session has ended
    session.commit()
    csrf_token(request)
    return RedirectResponse("/account/password?done=1", status_code=303)
