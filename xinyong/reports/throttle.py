"""Rate limits on the anonymous report endpoints (verification, public reports), with the same
token buckets and settings as the public search (xinyong.kit.ratelimit): per IP when anonymous,
per user when signed in. The shared middleware limits fixed paths only, so these routes take
this dependency."""
from __future__ import annotations

import math

from fastapi import Request

from xinyong.kit.errors import XinyongError
from xinyong.kit.ratelimit import RateLimiter, client_ip


class RateLimited(XinyongError):
    status = 429
    code = "rate_limited"


_current: tuple[object, RateLimiter] | None = None


def limiter() -> RateLimiter:
    """One limiter per settings object (rebuilt when the settings are reloaded)."""
    global _current
    from xinyong.config import get_settings
    settings = get_settings()
    if _current is None or _current[0] is not settings:
        _current = (settings, RateLimiter.from_settings(settings, name="reports"))
    return _current[1]


async def throttle(request: Request) -> None:  # a coroutine: a plain function would run in the thread pool
    decision = limiter().check(request.scope)
    if not decision.allowed:
        seconds = max(1, math.ceil(decision.retry_after))
        raise RateLimited(f"请求过于频繁，请 {seconds} 秒后再试", message_en=f"too many requests; retry in {seconds} s",
                          details={"retry_after": seconds})


def client_of(request: Request) -> str:
    return client_ip(request.scope, limiter().trusted_proxies)
