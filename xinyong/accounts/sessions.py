"""Page sessions kept on the server (ASVS 3.2-3.3).

The cookie carries only a random token. A signed-in token ("s." + 32 random bytes) is a row of
web_sessions, found by its SHA-256 in one indexed look-up; logging out, changing the password
and an administrator disabling the account revoke rows, so the cookie stops working at once.
A visitor who has not signed in gets an anonymous token ("a." …) that is never looked up: it
only keys the CSRF token, an HMAC of the token under the platform secret, so nothing about a
browser is kept in one process's memory or in the cookie itself.

Lifetimes count real time (not the platform clock, which tests and demos move by days): a
session ends after XINYONG_SESSION_IDLE_MINUTES unused and XINYONG_SESSION_MAX_HOURS after
sign-in; last-seen is written at most every XINYONG_SESSION_TOUCH_SECONDS.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.agencies.standing import with_may_act
from xinyong.config import get_settings
from xinyong.models import User, WebSession

COOKIE = "xinyong_session"
SIGNED_IN, ANONYMOUS_PREFIX = "s.", "a."
SCOPE_KEY = "xinyong.browser"
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def wall_now() -> dt.datetime:
    """Real time, in UTC (tests replace it to age a session)."""
    return dt.datetime.now(dt.timezone.utc)


@dataclasses.dataclass
class BrowserSession:
    """What the cookie says about this browser, and whether the response must set it anew."""
    token: str | None
    changed: bool = False

    @property
    def signed_in(self) -> bool:
        return bool(self.token and self.token.startswith(SIGNED_IN))

    def ensure_token(self) -> str:
        if self.token is None:
            self.replace(ANONYMOUS_PREFIX + secrets.token_urlsafe(32))
        return self.token

    def replace(self, token: str | None) -> None:
        self.token, self.changed = token, True

    def csrf(self) -> str | None:
        if self.token is None:
            return None
        key = get_settings().secret_key.encode()
        return hmac.new(key, b"csrf:" + self.token.encode(), hashlib.sha256).hexdigest()[:40]


def browser(scope_or_request) -> BrowserSession:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    state = scope.get(SCOPE_KEY)
    if state is None:  # outside the middleware (unit tests of a handler): a fresh browser
        state = scope[SCOPE_KEY] = BrowserSession(None)
    return state


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- the rows --------------------------------------------------------------------------------------------

def start(session: Session, user_id: int) -> str:
    """A new signed-in session for a user; returns the cookie's token (shown once, never stored)."""
    token = SIGNED_IN + secrets.token_urlsafe(32)
    now = wall_now()
    session.add(WebSession(token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def end(session: Session, token: str | None) -> None:
    """Logout: this session stops working at once."""
    if token and token.startswith(SIGNED_IN):
        session.execute(update(WebSession).where(WebSession.token_hash == token_hash(token),
                                                 WebSession.revoked_at.is_(None)).values(revoked_at=wall_now()))


def end_all(session: Session, user_id: int) -> int:
    """Every session of an account (password change, account disabled)."""
    result = session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                             .values(revoked_at=wall_now()))
    return result.rowcount or 0


def user_for(session: Session, token: str) -> User | None:
    """The account of a live signed-in session, or None; refreshes last-seen now and then. A
    session whose account may no longer act (disabled, or its organisation out of standing:
    xinyong.agencies.standing) ends here, as a disabled account's sessions do: signing in again
    is the way back, once the account may act again."""
    row = session.execute(with_may_act(select(User, WebSession).join(WebSession, WebSession.user_id == User.id)
                                       .where(WebSession.token_hash == token_hash(token)))).one_or_none()
    if row is None:
        return None
    user, web, may_act = row
    now, settings = wall_now(), get_settings()
    if (web.revoked_at is not None
            or now - _aware(web.created_at) >= dt.timedelta(hours=settings.session_max_hours)
            or now - _aware(web.last_seen_at) >= dt.timedelta(minutes=settings.session_idle_minutes)):
        return None
    if not may_act:
        session.execute(update(WebSession).where(WebSession.id == web.id).values(revoked_at=now))
        return None
    if now - _aware(web.last_seen_at) >= dt.timedelta(seconds=settings.session_touch_seconds):
        session.execute(update(WebSession).where(WebSession.id == web.id).values(last_seen_at=now))
    return user


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


# ---- the cookie ------------------------------------------------------------------------------------------

def _cookie_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == COOKIE and 10 < len(val) <= 100 and set(val) <= _TOKEN_CHARS:
                    return val
    return None


class SessionCookieMiddleware:
    """Reads the session token from the cookie into scope["xinyong.browser"] and, when a handler
    replaced it (sign-in, logout, first form), sets or clears the cookie on the response."""

    def __init__(self, app: ASGIApp, https_only: bool = False):
        self.app = app
        self.flags = "; path=/; HttpOnly; SameSite=lax" + ("; Secure" if https_only else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope[SCOPE_KEY] = BrowserSession(_cookie_token(scope))

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.changed:
                headers = list(message.get("headers", ()))
                headers.append((b"set-cookie", self._cookie(state.token).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, token: str | None) -> str:
        if token is None:
            return f"{COOKIE}=null; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT" + self.flags
        # the browser may keep it as long as the server would accept it; the server decides
        return f"{COOKIE}={token}; Max-Age={get_settings().session_max_hours * 3600}" + self.flags
