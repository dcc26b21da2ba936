"""Deny by default: every route declares who may call it.

`allow("staff", "admin")` is a FastAPI dependency that both enforces and *declares* the
route's audience; `tests/test_route_access.py` walks the route table and fails on any
route without one. Roles: "public" (anyone, signed in or not), "authenticated" (any
signed-in user), and the account roles in `xinyong.models.account.ROLES`.
"""
from __future__ import annotations

import dataclasses
import secrets

from fastapi import Depends, Request

from xinyong.kit.errors import Forbidden, Unauthenticated
from xinyong.kit.ratelimit import take_route_token

ACCESS_ATTR = "__xinyong_access__"
RATE_ATTR = "__xinyong_rate__"  # "route" (limited) or the reason a public route is not
PSEUDO_ROLES = ("public", "authenticated")
UNPROVED_ROLES = ("registrant",)  # = xinyong.models.account.UNPROVED_ROLES: not "authenticated" (deny by default)
# callers that are not accounts: a peer platform's signed request (xinyong.peers.auth). Such a
# principal has no user and is anonymous to every route that does not name its role
MACHINE_ROLES = ("peer",)
# what an API token may be limited to (a token's scopes narrow its user's role, never widen it)
SCOPES = ("batches:write", "batches:read", "subjects:read", "profiles:read", "authorisations:write",
          "query_items:write", "audit:read", "admin")


@dataclasses.dataclass(frozen=True)
class Principal:
    user_id: int | None
    username: str
    role: str
    agency_id: int | None = None
    subject_id: int | None = None
    display_name: str = ""
    via: str = "anonymous"   # anonymous | session | token
    scopes: tuple[str, ...] = ("*",)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Principal(user_id=None, username="", role="public")


def current_principal(request: Request) -> Principal:
    """Resolved once per request by the auth middleware (xinyong.accounts.middleware)."""
    return getattr(request.state, "principal", ANONYMOUS)


def allow(*roles: str, scope: str | None = None, unthrottled: str = ""):
    """Declare and enforce the roles that may call a route (and, for API tokens, the scope).
    A route open to "public" is rate limited (xinyong.kit.ratelimit.take_route_token) unless
    ``unthrottled`` says why it need not be."""
    if not roles:
        raise ValueError("allow() needs at least one role")
    if unthrottled and "public" not in roles:
        raise ValueError("unthrottled applies to public routes only")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    wanted = frozenset(roles)
    throttled = "public" in wanted and not unthrottled

    async def checker(request: Request) -> Principal:
        # read in place, not as a sub-dependency: FastAPI runs a plain-function dependency in
        # the thread pool, a round trip (~0.1 ms of CPU) on every request to read one attribute
        principal = current_principal(request)
        if throttled:
            await take_route_token(request.scope)
        if "public" not in wanted and not (principal.role in MACHINE_ROLES and principal.role in wanted):
            if principal.is_anonymous and wanted & set(MACHINE_ROLES):
                problem = getattr(request.state, "peer_problem", "") or "no signed peer request"
                raise Unauthenticated("仅限互认城市平台的签名请求", code="peer_signature_required",
                                      message_en=f"A recognised peer platform's signed request is required: {problem}")
            if principal.is_anonymous:
                raise Unauthenticated("请先登录", message_en="Sign in first")
            if principal.role not in wanted and ("authenticated" not in wanted or principal.role in UNPROVED_ROLES):
                # an account whose identity is not proved reaches only routes that name its role
                raise Forbidden("无权访问", message_en="Not allowed for your role")
        limited = principal.via == "token" and "*" not in principal.scopes
        if limited and scope not in principal.scopes and (scope is not None or "public" not in wanted):
            # deny unless declared: a token limited to some scopes reaches no route that declares
            # none of them (a route with no scope needs an unlimited token)
            raise Forbidden("令牌权限范围不足", code="insufficient_scope",
                            message_en=f"this token lacks the scope {scope}" if scope else
                            "this route needs a token without scope limits")
        if _needs_csrf(request, principal):
            await _check_csrf(request)
        return principal

    setattr(checker, ACCESS_ATTR, wanted)
    setattr(checker, RATE_ATTR, "route" if throttled else (unthrottled or None))
    return Depends(checker)


def _needs_csrf(request: Request, principal: Principal) -> bool:
    """Unsafe calls made with a browser session (pages, or the API with a cookie) carry the
    session's CSRF token; API calls with a bearer token don't use cookies and need none."""
    if request.method in ("GET", "HEAD", "OPTIONS") or principal.via == "token":
        return False
    return not (principal.is_anonymous and request.url.path.startswith("/api/"))


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser's session (an HMAC of its token: nothing stored)."""
    from xinyong.accounts.sessions import browser
    state = browser(request)
    state.ensure_token()
    return state.csrf()


async def _check_csrf(request: Request) -> None:
    from xinyong.accounts.sessions import browser
    expected = browser(request).csrf()
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        sent = form.get("csrf_token")
    if not expected or not sent or not secrets.compare_digest(str(sent), str(expected)):
        raise Forbidden("表单已过期，请刷新页面后重试", code="csrf_failed",
                        message_en="The form expired; reload the page and try again")


def declared_roles(dependant) -> frozenset[str] | None:
    """The roles a route declares, found anywhere in its dependency tree (None if none)."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, ACCESS_ATTR, None)
        if found is not None:
            return found
        nested = declared_roles(dep)
        if nested is not None:
            return nested
    return None


def declared_rate(dependant) -> str | None:
    """How a route's ``allow()`` declared its rate limit: "route", a reason, or None."""
    for dep in dependant.dependencies:
        if getattr(dep.call, ACCESS_ATTR, None) is not None:
            return getattr(dep.call, RATE_ATTR, None)
        nested = declared_rate(dep)
        if nested is not None:
            return nested
    return None


def iter_routes(routes):
    """Every route of an application, descending into included routers."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from iter_routes(original.routes)
        else:
            yield route
