"""Rate limits on the public search and profile reads (anti-scraping): a token bucket per
client IP for anonymous callers and per user for signed-in ones (a higher limit), on the
API (/api/v1/subjects*) and the pages (/search, /subjects/*). Over the limit a caller gets
429 with Retry-After.

The buckets live behind ``BucketStore``. ``MemoryBucketStore`` keeps them in this process:
thread-safe, bounded (least recently seen buckets go first when full, and buckets idle long
enough to have refilled are dropped, losing nothing). Processes that each kept their own
buckets would give a client up to processes x the limit, and machines that each kept their
own would give it machines x the limit. So XINYONG_RATE_STORE chooses (``store_from_settings``):
``database`` keeps them in the platform's database (``xinyong.kit.dbbuckets``: one atomic
UPSERT a take, shared by every node; the default on PostgreSQL), a file path shares them among
the processes of one machine (``xinyong.kit.sharedbuckets``; `xinyong serve --workers N` makes
one on SQLite), ``memory`` keeps them in the process.

Behind a reverse proxy the peer is the proxy; X-Forwarded-For is believed only when the peer
is listed in XINYONG_TRUSTED_PROXIES, and then read from the right, skipping trusted hops.
"""
from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

Clock = Callable[[], float]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
API_PREFIX = "/api/v1/subjects"
PAGE_PATHS = ("/search",)
PAGE_PREFIXES = ("/subjects/",)
LOGIN_PATH = "/login"


@dataclass(frozen=True)
class Limit:
    per_minute: int
    burst: int

    @property
    def rate(self) -> float:
        """Tokens per second."""
        return self.per_minute / 60.0

    @property
    def unlimited(self) -> bool:
        return self.per_minute == 0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until one token is back (when refused)
    remaining: int = 0


def take_one(tokens: float, at: float, now: float, limit: Limit) -> tuple[float, Decision, float]:
    """A bucket last seen at ``at`` holding ``tokens``, asked for one token at ``now``:
    (tokens left, the decision, when the bucket will be full again)."""
    tokens = min(float(limit.burst), tokens + max(0.0, now - at) * limit.rate)
    if tokens >= 1.0:
        tokens -= 1.0
        decision = Decision(True, remaining=int(tokens))
    else:
        decision = Decision(False, retry_after=(1.0 - tokens) / limit.rate)
    return tokens, decision, now + (limit.burst - tokens) / limit.rate


class BucketStore(Protocol):
    def take(self, key: str, limit: Limit) -> Decision:
        """Take one token from ``key``'s bucket (created full) if there is one."""


class MemoryBucketStore:
    """Token buckets in this process's memory. See the module doc for several workers."""

    def __init__(self, clock: Clock = time.monotonic, max_buckets: int = 100_000, sweep_every: int = 1024):
        self.clock = clock
        self.max_buckets = max_buckets
        self.sweep_every = sweep_every
        self._buckets: OrderedDict[str, tuple[float, float, float]] = OrderedDict()  # tokens, at, full_after
        self._lock = threading.Lock()
        self._takes = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, limit: Limit) -> Decision:
        with self._lock:
            now = self.clock()
            tokens, at, _ = self._buckets.pop(key, (float(limit.burst), now, 0.0))
            tokens, decision, full_after = take_one(tokens, at, now, limit)
            self._buckets[key] = (tokens, now, full_after)  # re-inserted: most recently seen last
            self._evict(now)
        return decision

    def _evict(self, now: float) -> None:
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)
        self._takes += 1
        if self._takes % self.sweep_every:
            return
        # oldest first; a bucket that has refilled is the same as no bucket
        for key, (_, _, full_after) in list(self._buckets.items()):
            if full_after > now:
                break
            del self._buckets[key]


class RateLimiter:
    def __init__(self, anonymous: Limit, user: Limit, store: BucketStore | None = None,
                 trusted_proxies: tuple[Network, ...] = (), login: Limit | None = None):
        self.anonymous, self.user = anonymous, user
        self.login = login or Limit(0, 1)
        self.store = store if store is not None else MemoryBucketStore()
        self.trusted_proxies = trusted_proxies

    @classmethod
    def from_settings(cls, settings, store: BucketStore | None = None, name: str = "public") -> RateLimiter:
        """``name`` keeps this limiter's buckets apart from another's in a shared store."""
        anon = Limit(settings.rate_anon_per_minute, settings.rate_anon_burst or max(1, settings.rate_anon_per_minute))
        user = Limit(settings.rate_user_per_minute, settings.rate_user_burst or max(1, settings.rate_user_per_minute))
        login = Limit(settings.rate_login_per_minute, max(1, settings.rate_login_per_minute))
        if store is None:
            store = store_from_settings(settings, name)
        return cls(anon, user, store, parse_networks(settings.trusted_proxies), login)

    async def check_async(self, scope: Scope, *, login_rules: bool = True) -> Decision:
        """``check`` from a coroutine: in a worker thread when the store waits on another server
        (the database store: a round trip, and a wait for the bucket's row lock, held every
        other request of the process on the event loop); in place for memory and file stores."""
        if getattr(self.store, "waits_on_io", False):
            return await anyio.to_thread.run_sync(lambda: self.check(scope, login_rules=login_rules))
        return self.check(scope, login_rules=login_rules)

    def check(self, scope: Scope, *, login_rules: bool = True) -> Decision:
        if login_rules and scope["path"] == LOGIN_PATH:  # sign-in attempts per address, besides the growing delay after failures (accounts.throttle)
            if self.login.unlimited or scope.get("method") != "POST":
                return Decision(True)
            return self.store.take(f"login:{client_ip(scope, self.trusted_proxies)}", self.login)
        principal = scope.get("state", {}).get("principal")
        user_id = getattr(principal, "user_id", None)
        if user_id is not None:
            key, limit = f"user:{user_id}", self.user
        else:
            key, limit = f"ip:{client_ip(scope, self.trusted_proxies)}", self.anonymous
        if limit.unlimited:
            return Decision(True)
        return self.store.take(key, limit)


def store_from_settings(settings, name: str) -> BucketStore:
    """The bucket store XINYONG_RATE_STORE asks for (``Settings.rate_store_kind``): the
    database (shared by every node), a file (shared by the processes of one machine) or this
    process's memory."""
    kind = settings.rate_store_kind()
    if kind == "database":
        from xinyong.kit.dbbuckets import DatabaseBucketStore
        return DatabaseBucketStore(namespace=name)
    if kind == "file":
        from xinyong.kit.sharedbuckets import SharedBucketStore
        return SharedBucketStore(settings.rate_store, namespace=name)
    return MemoryBucketStore()


def is_limited_path(path: str) -> bool:
    return (path == API_PREFIX or path.startswith(API_PREFIX + "/") or path in PAGE_PATHS
            or path.startswith(PAGE_PREFIXES) or path == LOGIN_PATH)


class RateLimitMiddleware:
    """Pure ASGI. Sits inside the auth middleware, which puts the caller in scope["state"]."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None = None):
        if limiter is None:
            from xinyong.config import get_settings
            limiter = RateLimiter.from_settings(get_settings())
        self.app, self.limiter = app, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_limited_path(scope["path"]):
            decision = await self.limiter.check_async(scope)
            if not decision.allowed:
                from xinyong.kit.limits import refusal
                seconds = max(1, math.ceil(decision.retry_after))
                response = refusal(scope, receive, 429, "rate_limited", "error.rate_limited",
                                   headers={"Retry-After": str(seconds)}, seconds=seconds)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def parse_networks(text: str) -> tuple[Network, ...]:
    """"10.0.0.1, 10.1.0.0/16, ::1" -> networks; raises ValueError on a bad entry."""
    nets = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"XINYONG_TRUSTED_PROXIES: {part!r} is not an IP address or network") from None
    return tuple(nets)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(scope: Scope, trusted: tuple[Network, ...]) -> str:
    """The caller's address: the peer, unless the peer is a trusted proxy; then the nearest
    X-Forwarded-For hop (from the right) that is not itself a trusted proxy."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = ",".join(v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == b"x-forwarded-for")
    nearest = peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return nearest  # garbage in the chain: stop at the last address we could trust
        if not _trusted(hop, trusted):
            return hop
        nearest = hop
    return nearest


# ---- routes open to anonymous callers ------------------------------------------------------------
# Every route that admits "public" takes a token here for its caller (per IP when anonymous, per
# user when signed in), from its ``allow()`` declaration (xinyong.kit.access): complaints, lists,
# evaluation, public reports, verification, search... A route opts out only by naming why
# (``allow("public", unthrottled="...")``); tests/kit/test_route_ratelimits.py walks the routes.

_route_limiter: tuple[object, RateLimiter] | None = None


def route_limiter() -> RateLimiter:
    """One limiter per settings object (rebuilt when the settings are reloaded)."""
    global _route_limiter
    from xinyong.config import get_settings
    settings = get_settings()
    if _route_limiter is None or _route_limiter[0] is not settings:
        _route_limiter = (settings, RateLimiter.from_settings(settings, name="routes"))
    return _route_limiter[1]


async def take_route_token(scope: Scope) -> None:
    """Raise ``errors.RateLimited`` (429, Retry-After) when the caller's bucket is empty. Paths
    the middleware limits (search, profiles, sign-in attempts) were charged there already."""
    path = scope["path"]
    if is_limited_path(path) and not (path == LOGIN_PATH and scope.get("method") != "POST"):
        return
    decision = await route_limiter().check_async(scope, login_rules=False)
    if not decision.allowed:
        from xinyong.kit.errors import RateLimited as Refused
        seconds = max(1, math.ceil(decision.retry_after))
        raise Refused(f"请求过于频繁，请 {seconds} 秒后再试", message_en=f"too many requests; retry in {seconds} s",
                      details={"retry_after": seconds}, headers={"Retry-After": str(seconds)})
