"""Self-registration and password-reset requests over the API (same rules as the pages)."""
from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts import resets, signup
from xinyong.config import get_settings
from xinyong.kit.access import allow
from xinyong.kit.errors import TooManyRequests
from xinyong.kit.ratelimit import client_ip, parse_networks
from xinyong.kit.text import Code, PrivateText, Text
from xinyong.kit.web import get_session

router = APIRouter(prefix="/api/v1", tags=["accounts 账户"])


class RegisterIn(BaseModel):
    username: Code = Field(min_length=3, max_length=64)
    email: Code = Field(min_length=3, max_length=254)
    password: PrivateText = Field(min_length=1, max_length=200)
    display_name: Text = Field("", max_length=100)


class RegisterOut(BaseModel):
    username: str
    role: str
    next: str = Field(description="where the account proves its identity (sign in on the page first)")


class ResetIn(BaseModel):
    email: Code = Field(min_length=3, max_length=254)


class ResetOut(BaseModel):
    accepted: bool = True


@router.post("/register", response_model=RegisterOut, status_code=201, dependencies=[allow("public")])
def register(body: RegisterIn, request: Request, session: Session = Depends(get_session)):
    try:
        user = signup.register(session, username=body.username, password=body.password, email=body.email,
                               display_name=body.display_name, client=_client(request))
    except TooManyRequests:
        session.commit()  # keep the count
        raise
    session.commit()
    return RegisterOut(username=user.username, role=user.role, next="/account/identity")


@router.post("/password-reset", response_model=ResetOut, status_code=202, dependencies=[allow("public")])
def password_reset(body: ResetIn, request: Request, background: BackgroundTasks, session: Session = Depends(get_session)):
    """Always 202 (whether or not the address has an account); 429 when asked too often."""
    try:
        outgoing = resets.request(session, body.email, _client(request))
    except TooManyRequests:
        session.commit()  # keep the count
        raise
    session.commit()
    if outgoing is not None:
        background.add_task(outgoing.send)
    return ResetOut()


def _client(request: Request) -> str:
    return client_ip(request.scope, parse_networks(get_settings().trusted_proxies))
