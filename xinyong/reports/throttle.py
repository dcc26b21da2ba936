"""Rate limits on the anonymous report endpoints (verification, public reports), with the same
token buckets and settings as the public search (xinyong.kit.ratelimit): per IP when anonymous,
per user when signed in. The shared middleware limits fixed paths only, so these routes take
this dependency."""
from __future__ import annotations

import functools
import math

from fastapi import Request

from xinyong.kit.errors import XinyongError
from xinyong.kit.ratelimit import RateLimiter, client_ip


class RateLimited(XinyongError):
    status = 429
    code = "rate_limited"


@functools.lru_cache(maxsize=1)
def limiter() -> RateLimiter:
    from xinyong.config import get_settings
    return RateLimiter.from_settings(get_settings())


def throttle(request: Request) -> None:
    decision = limiter().check(request.scope)
    if not decision.allowed:
        seconds = max(1, math.ceil(decision.retry_after))
        raise RateLimited(f"请求过于频繁，请 {seconds} 秒后再试", message_en=f"too many requests; retry in {seconds} s",
                          details={"retry_after": seconds})


def client_of(request: Request) -> str:
    return client_ip(request.scope, limiter().trusted_proxies)
