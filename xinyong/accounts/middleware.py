"""Who is calling: an API token (Authorization: Bearer) or a signed page session."""
from __future__ import annotations

from fastapi import Request

from xinyong.accounts import service, tokens
from xinyong.db import session_factory
from xinyong.kit.access import ANONYMOUS, Principal


def resolve_principal(request: Request) -> Principal:
    auth = request.headers.get("authorization", "")
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if not auth.lower().startswith("bearer ") and not user_id:
        return ANONYMOUS
    with session_factory()() as session:
        if auth.lower().startswith("bearer "):
            return tokens.principal_for_token(session, auth[7:].strip()) or ANONYMOUS
        principal = service.principal_for_user_id(session, int(user_id))
        if principal is None:
            request.session.pop("user_id", None)
        return principal or ANONYMOUS
