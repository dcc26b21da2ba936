"""Who is calling: an API token (Authorization: Bearer) or a server-side page session."""
from __future__ import annotations

from fastapi import Request

from xinyong.accounts import service, sessions, tokens
from xinyong.db import session_factory
from xinyong.kit.access import ANONYMOUS, Principal


def resolve_principal(request: Request) -> Principal:
    auth = request.headers.get("authorization", "")
    browser = sessions.browser(request)
    if not auth.lower().startswith("bearer ") and not browser.signed_in:
        return ANONYMOUS  # an anonymous cookie is never looked up
    with session_factory()() as session:
        if auth.lower().startswith("bearer "):
            return tokens.principal_for_token(session, auth[7:].strip()) or ANONYMOUS
        user = sessions.user_for(session, browser.token)
        if user is None:  # revoked, expired, or its account disabled: forget the cookie
            browser.replace(None)
            return ANONYMOUS
        principal = service.principal_of(user, "session")
        session.commit()  # last-seen, when it was due
        return principal
