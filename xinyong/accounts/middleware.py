"""Who is calling: an API token (Authorization: Bearer), a server-side page session, or a peer
platform's signed request (xinyong.peers.auth)."""
from __future__ import annotations

from fastapi import Request

from xinyong.accounts import service, sessions, tokens
from xinyong.db import session_factory
from xinyong.kit.access import ANONYMOUS, Principal
from xinyong.peers import auth as peer_auth


def reads_the_database(request: Request) -> bool:
    """Whether resolving this caller reads the database: a bearer token, a peer platform's
    signed request or a signed-in page session. The ASGI middleware then resolves it in a
    worker thread; an anonymous caller (no such header, no signed-in cookie) is resolved on the
    event loop, which a database round trip would hold for every request of the process."""
    return (request.headers.get("authorization", "").lower().startswith("bearer ")
            or peer_auth.is_signed(request.headers) or sessions.browser(request).signed_in)


def resolve_principal(request: Request) -> Principal:
    auth = request.headers.get("authorization", "")
    if peer_auth.is_signed(request.headers) and not auth:
        try:
            return peer_auth.principal_for(request.headers, request.method, request.url.path,
                                           request.scope.get("query_string", b""))
        except peer_auth.PeerAuthError as exc:
            request.state.peer_problem = str(exc)
            return ANONYMOUS
    browser = sessions.browser(request)
    if not auth.lower().startswith("bearer ") and not browser.signed_in:
        return ANONYMOUS  # an anonymous cookie is never looked up
    with session_factory()() as session:
        if auth.lower().startswith("bearer "):
            return tokens.principal_for_token(session, auth[7:].strip()) or ANONYMOUS
        user = sessions.user_for(session, browser.token)
        session.commit()  # last-seen, when it was due; or the end of a session whose account may not act
        if user is None:  # revoked, expired, or its account may not act: forget the cookie
            browser.replace(None)
            return ANONYMOUS
        return service.principal_of(user, "session")
