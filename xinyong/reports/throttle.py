"""The caller's address as the rate limits see it, for the verification log. The anonymous
report endpoints (verification, public reports) are rate limited like every public route,
from their ``allow("public")`` declaration (xinyong.kit.ratelimit.take_route_token)."""
from __future__ import annotations

from fastapi import Request

from xinyong.kit.ratelimit import client_ip, route_limiter


def client_of(request: Request) -> str:
    return client_ip(request.scope, route_limiter().trusted_proxies)
