"""Pages of self-service accounts: registration, proving one's identity at the identity provider,
and a password reset by a one-time link (issue 13 point 5)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from xinyong.accounts import identity, resets, sessions, signup
from xinyong.config import get_settings
from xinyong.kit.access import Principal, allow
from xinyong.kit.errors import InvalidInput, TooManyRequests, XinyongError
from xinyong.kit.ratelimit import client_ip, parse_networks
from xinyong.kit.text import Code, CodeForm, PrivateForm, TextForm
from xinyong.kit.web import get_session, language, refusal_text, render

router = APIRouter(include_in_schema=False)


def _message(request: Request, exc: XinyongError) -> str:
    return refusal_text(exc, language(request))


def _client(request: Request) -> str:
    return client_ip(request.scope, parse_networks(get_settings().trusted_proxies))


@router.get("/register", dependencies=[allow("public")])
def register_page(request: Request):
    return render(request, "accounts/register.html", {"error": None, "form": {}})


@router.post("/register", dependencies=[allow("public")])
def register(request: Request, username: str = CodeForm(..., max_length=64), email: str = CodeForm(..., max_length=254),
             display_name: str = TextForm("", max_length=100), password: str = PrivateForm(..., max_length=200),
             confirm_password: str = PrivateForm(..., max_length=200), session: Session = Depends(get_session)):
    form = {"username": username, "email": email, "display_name": display_name}
    try:
        if password != confirm_password:
            raise InvalidInput("两次输入的密码不一致", field="confirm_password", message_en="the two passwords differ")
        user = signup.register(session, username=username, password=password, email=email, display_name=display_name,
                               client=_client(request))
    except TooManyRequests as exc:
        session.commit()  # keep the count
        response = render(request, "accounts/register.html", {"error": _message(request, exc), "form": form},
                          status_code=exc.status)
        response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response
    except XinyongError as exc:
        session.rollback()
        return render(request, "accounts/register.html", {"error": _message(request, exc), "form": form},
                      status_code=exc.status)
    browser = sessions.browser(request)
    sessions.end(session, browser.token)
    browser.replace(sessions.start(session, user.id))
    session.commit()
    return RedirectResponse("/account/identity", status_code=303)


def _identity_page(request: Request, error: str | None, unlinked: str | None = None, status_code: int = 200):
    """The page whose form goes on to the identity provider: its CSP lets that one form's
    redirect leave for the provider's origin (form-action), and nothing else."""
    configured = identity.configured()
    response = render(request, "accounts/identity.html", {"error": error, "configured": configured,
                                                          "unlinked": unlinked}, status_code=status_code)
    if configured:
        from xinyong.app import SECURITY_HEADERS
        policy = SECURITY_HEADERS["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {identity.provider_origin()}")
    return response


@router.get("/account/identity")
def identity_page(request: Request, principal: Principal = allow("registrant")):
    return _identity_page(request, None, request.query_params.get("unlinked"))


@router.post("/account/identity/start")
def identity_start(request: Request, principal: Principal = allow("registrant"), session: Session = Depends(get_session)):
    try:
        url = identity.start(session, principal.user_id)
    except XinyongError as exc:
        session.rollback()
        return _identity_page(request, _message(request, exc), status_code=exc.status)
    session.commit()
    return RedirectResponse(url, status_code=303)


@router.get(identity.CALLBACK_PATH)
def identity_callback(request: Request, code: Code = "", state: Code = "", principal: Principal = allow("registrant"),
                      session: Session = Depends(get_session)):
    try:
        user = identity.finish(session, principal, code, state)
    except XinyongError as exc:
        session.commit()  # the state stays used: a refused answer is never tried again
        return _identity_page(request, _message(request, exc), status_code=exc.status)
    if user.role == "subject":  # more rights now: a new session token (ASVS 3.2.1), the old one ends
        browser = sessions.browser(request)
        sessions.end(session, browser.token)
        browser.replace(sessions.start(session, user.id))
    session.commit()
    return RedirectResponse("/" if user.role == "subject" else "/account/identity?unlinked=1", status_code=303)


@router.get("/account/reset", dependencies=[allow("public")])
def reset_page(request: Request):
    return render(request, "accounts/reset_request.html", {"error": None, "sent": None})


@router.post("/account/reset", dependencies=[allow("public")])
def reset_request(request: Request, email: str = CodeForm(..., max_length=254), session: Session = Depends(get_session)):
    try:
        outgoing = resets.request(session, email, _client(request))
    except TooManyRequests as exc:
        session.commit()
        response = render(request, "accounts/reset_request.html", {"error": _message(request, exc), "sent": None},
                          status_code=exc.status)
        response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response
    session.commit()
    task = BackgroundTask(outgoing.send) if outgoing else None
    response = render(request, "accounts/reset_request.html", {"error": None, "sent": True})
    response.background = task
    return response


@router.get(resets.RESET_PATH, dependencies=[allow("public")])
def reset_confirm_page(request: Request, token: Code = "", session: Session = Depends(get_session)):
    ok = bool(token) and resets.valid(session, token) is not None
    return render(request, "accounts/reset_confirm.html", {"token": token if ok else "", "error": None},
                  status_code=200 if ok else 400)


@router.post(resets.RESET_PATH, dependencies=[allow("public")])
def reset_confirm(request: Request, token: str = CodeForm(..., max_length=100),
                  new_password: str = PrivateForm(..., max_length=200),
                  confirm_password: str = PrivateForm(..., max_length=200), session: Session = Depends(get_session)):
    try:
        if new_password != confirm_password:
            raise InvalidInput("两次输入的新密码不一致", field="confirm_password", message_en="the two new passwords differ")
        resets.confirm(session, token, new_password)
    except XinyongError as exc:
        session.rollback()
        return render(request, "accounts/reset_confirm.html", {"token": token, "error": _message(request, exc)},
                      status_code=exc.status)
    session.commit()
    return RedirectResponse("/login?reset=1", status_code=303)
